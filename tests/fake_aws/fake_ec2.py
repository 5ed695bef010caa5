"""EC2 Query API of the fake: CreateFleet (instant), DescribeInstances,
TerminateInstances, CreateTags, DescribeInstanceTypes, DescribeSpotPriceHistory.

Requests are decoded and responses encoded through the botocore model
(ec2model.py), so parameter and element names are the real ones."""

import base64
import datetime
import hashlib
import json
import math
import re

import ec2model
from fake_common import ApiError, hex_id, iso_ms_z, parse_iso, utcnow, zone_id_of

STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48,
               "stopping": 64, "stopped": 80}
INSTANCE_ID_RE = re.compile(r"^i-([0-9a-f]{8}|[0-9a-f]{17})$")
ON_DEMAND_STRATEGIES = ("lowest-price", "prioritized")
DEFAULT_ICE_CODE = "InsufficientInstanceCapacity"


def ec2_error(code, message, status=400):
    return ApiError(code, message, status)


def wildcard_match(pattern, value):
    """EC2 filter values: '*' any run, '?' one character, '\\' escapes."""
    regex = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        regex.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.fullmatch("".join(regex), value, re.S) is not None


def encode_token(kind, offset, request):
    digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()[:16]
    raw = json.dumps({"k": kind, "o": offset, "h": digest}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token, kind, request):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str)
                                .encode()).hexdigest()[:16]
        if data["k"] != kind or data["h"] != digest or int(data["o"]) < 0:
            raise ValueError
        return int(data["o"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise ec2_error("InvalidPaginationToken",
                        "The specified pagination token is not valid or is expired.")


def check_max_results(value, low, high, name="maxResults"):
    if value is not None and not low <= value <= high:
        raise ec2_error("InvalidParameterValue",
                        "Value ( %d ) for parameter %s is invalid. Expecting a value between "
                        "%d and %d." % (value, name, low, high))


class Instance:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def tag_list(self):
        return [{"Key": k, "Value": v} for k, v in self.tags.items()]

    def code(self):
        return STATE_CODES[self.state]

    def to_model(self):
        # Element order as EC2 sends it (parsers must not depend on it).
        d = {
            "InstanceId": self.id,
            "ImageId": self.image_id,
            "State": {"Code": self.code(), "Name": self.state},
            "PrivateDnsName": "" if self.state == "terminated" else self.private_dns,
            "PublicDnsName": "",
            "StateTransitionReason": self.transition_reason,
            "AmiLaunchIndex": self.launch_index,
            "ProductCodes": [],
            "InstanceType": self.type,
            "LaunchTime": self.launch_time,
            "Placement": {"AvailabilityZone": self.az, "GroupName": "", "Tenancy": "default"},
            "Monitoring": {"State": "disabled"},
        }
        if self.state != "terminated":
            d["SubnetId"] = self.subnet
            d["VpcId"] = self.vpc
            d["PrivateIpAddress"] = self.ip
            d["SourceDestCheck"] = True
        d["SecurityGroups"] = []
        if self.state_reason:
            d["StateReason"] = dict(self.state_reason)
        d["Architecture"] = self.arch
        d["RootDeviceType"] = "ebs"
        d["RootDeviceName"] = "/dev/xvda"
        if self.lifecycle == "spot":
            d["InstanceLifecycle"] = "spot"
            d["SpotInstanceRequestId"] = self.spot_request_id
        d["VirtualizationType"] = "hvm"
        d["ClientToken"] = self.client_token
        d["Tags"] = self.tag_list()
        d["Hypervisor"] = "xen"
        d["EbsOptimized"] = True
        d["EnaSupport"] = True
        d["PlatformDetails"] = "Linux/UNIX"
        d["UsageOperation"] = "RunInstances"
        return d

    def to_state(self):
        return {"instance_id": self.id, "instance_type": self.type, "state": self.state,
                "state_code": self.code(), "private_ip": self.ip,
                "private_dns_name": self.private_dns, "availability_zone": self.az,
                "subnet_id": self.subnet, "region": self.region, "lifecycle":
                self.lifecycle or "on-demand", "tags": dict(self.tags),
                "launch_time": iso_ms_z(self.launch_time), "fleet_id": self.fleet_id,
                "reservation_id": self.reservation_id}


class Ec2Service:
    def __init__(self, fake):
        self.fake = fake
        self.model = ec2model.Ec2Model()
        self.reset()

    def reset(self):
        self.instances = {}          # id -> Instance, in launch order
        self.fleets = {}             # fleet id -> dict
        self.fleet_tokens = {}       # (region, ClientToken) -> (fingerprint, result)
        self.spot_prices = []        # dicts: instance_type, availability_zone, price, ...
        self.ip_counter = 10
        self.jobs = []               # hook jobs queued by state changes, run by tick()

    # ---- time ---------------------------------------------------------
    def tick(self, now):
        """Advance instance states; returns hook jobs to run outside the lock."""
        jobs, self.jobs = self.jobs, []
        for inst in self.instances.values():
            if inst.state == "pending" and now >= inst.running_at:
                inst.state = "running"
                inst.reached_running = True
                jobs.append(("launch", inst.to_model()))
            elif inst.state == "shutting-down" and now >= inst.terminated_at:
                inst.state = "terminated"
            elif inst.state == "stopping" and now >= inst.terminated_at:
                inst.state = "stopped"
        return jobs

    # ---- entry point ----------------------------------------------------
    def handle(self, operation, params, ctx):
        """params: flat dict without Action/Version.  Returns XML text."""
        try:
            request = self.model.decode_query(operation, params)
        except ec2model.QueryError as exc:
            raise ec2_error(exc.code, exc.message)
        ctx["input"] = request
        if request.get("DryRun"):
            raise ec2_error("DryRunOperation",
                            "Request would have succeeded, but DryRun flag is set.", 412)
        handler = getattr(self, "op_" + operation)
        result = handler(request, ctx)
        extra = ""
        if operation == "CreateTags":
            extra = "<return>true</return>"
        return self.model.to_xml(operation, result, ctx["request_id"], extra)

    # ---- helpers --------------------------------------------------------
    def _region_instances(self, region):
        return [i for i in self.instances.values() if i.region == region]

    def _lookup_ids(self, ids, region):
        bad = [i for i in ids if not INSTANCE_ID_RE.match(i)]
        if bad:
            raise ec2_error("InvalidInstanceID.Malformed", 'Invalid id: "%s"' % bad[0])
        missing = [i for i in ids if i not in self.instances or self.instances[i].region != region]
        if len(missing) == 1:
            raise ec2_error("InvalidInstanceID.NotFound",
                            "The instance ID '%s' does not exist" % missing[0])
        if missing:
            raise ec2_error("InvalidInstanceID.NotFound",
                            "The instance IDs '%s' do not exist" % ", ".join(missing))
        return [self.instances[i] for i in ids]

    @staticmethod
    def _check_tag_keys(tags):
        for tag in tags:
            key = tag.get("Key", "")
            if key.lower().startswith("aws:"):
                raise ec2_error("InvalidParameterValue",
                                "Value ( %s ) for parameter key is invalid. Tag keys starting "
                                "with 'aws:' are reserved for internal use" % key)
            if not key or len(key) > 128:
                raise ec2_error("InvalidParameterValue",
                                "Value ( %s ) for parameter key is invalid." % key)

    def _alloc_ip(self):
        n = self.ip_counter
        self.ip_counter += 1
        return "10.0.%d.%d" % ((n >> 8) & 255, n & 255)

    def spot_price_for(self, instance_type, az):
        best = None
        for p in self.spot_prices:
            if p["instance_type"] == instance_type and p["availability_zone"] == az:
                if best is None or p["timestamp"] >= best["timestamp"]:
                    best = p
        return best

    # ---- CreateFleet ------------------------------------------------------
    def op_CreateFleet(self, req, ctx):
        fake = self.fake
        region = ctx["region"]
        if req.get("Type", "maintain") != "instant":
            raise ec2_error("InvalidParameterValue", "The fake supports only Type=instant "
                            "fleets (got %s)." % req.get("Type", "maintain (default)"))
        token = req.get("ClientToken")
        fingerprint = json.dumps(req, sort_keys=True, default=str)
        if token:
            if len(token) > 64:
                raise ec2_error("InvalidParameterValue", "Value (%s) for parameter ClientToken "
                                "is invalid. The length must be at most 64." % token)
            old = self.fleet_tokens.get((region, token))
            if old is not None:
                if old[0] != fingerprint:
                    raise ec2_error("IdempotentParameterMismatch",
                                    "Arguments on this idempotent request are inconsistent with "
                                    "arguments used in previous request(s).")
                ctx["note"] = "idempotent replay of %s" % old[1]["FleetId"]
                return old[1]
        tcs = req["TargetCapacitySpecification"]
        total = tcs["TotalTargetCapacity"]
        default_type = tcs.get("DefaultTargetCapacityType", "on-demand")
        if default_type not in ("on-demand", "spot"):
            raise ec2_error("InvalidParameterValue", "The fake supports only spot and on-demand "
                            "DefaultTargetCapacityType (got %s)." % default_type)
        if total < 0:
            raise ec2_error("InvalidParameterValue", "Value (%d) for parameter "
                            "TotalTargetCapacity is invalid." % total)
        od, sp = tcs.get("OnDemandTargetCapacity"), tcs.get("SpotTargetCapacity")
        if od is None and sp is None:
            counts = {default_type: total}
        else:
            od, sp = od or 0, sp or 0
            if od + sp > total:
                raise ec2_error("InvalidParameterValue", "The sum of OnDemandTargetCapacity and "
                                "SpotTargetCapacity must not exceed TotalTargetCapacity.")
            rest = total - od - sp
            counts = {"on-demand": od + (rest if default_type == "on-demand" else 0),
                      "spot": sp + (rest if default_type == "spot" else 0)}
        # flatten the overrides
        overrides = []
        for cfg in req["LaunchTemplateConfigs"]:
            spec = cfg.get("LaunchTemplateSpecification") or {}
            if not spec.get("LaunchTemplateId") and not spec.get("LaunchTemplateName"):
                raise ec2_error("MissingParameter", "The request must contain the parameter "
                                "LaunchTemplateConfigs.N.LaunchTemplateSpecification."
                                "LaunchTemplateId or LaunchTemplateName")
            ovs = cfg.get("Overrides") or []
            if not ovs:
                raise ec2_error("MissingParameter", "The fake has no launch templates: give "
                                "LaunchTemplateConfigs.N.Overrides.N.InstanceType")
            for ov in ovs:
                if not ov.get("InstanceType"):
                    raise ec2_error("MissingParameter", "The fake has no launch templates: give "
                                    "LaunchTemplateConfigs.N.Overrides.N.InstanceType")
                az = ov.get("AvailabilityZone")
                if az and not az.startswith(region):
                    raise ec2_error("InvalidParameterValue",
                                    "Invalid availability zone: [%s]" % az)
                overrides.append((len(overrides), spec, ov))
        instance_tags, fleet_tags = [], []
        for ts in req.get("TagSpecifications", []):
            tags = ts.get("Tags", [])
            self._check_tag_keys(tags)
            if ts.get("ResourceType") == "instance":
                instance_tags += tags
            elif ts.get("ResourceType") == "fleet":
                fleet_tags += tags
        fleet_id = "fleet-" + hex_id("", 8) + "-" + hex_id("", 4) + "-" + hex_id("", 4) + "-" \
            + hex_id("", 4) + "-" + hex_id("", 12)
        reservation_id = hex_id("r-")
        capacity_faults = fake.faults.peek("ec2", "CreateFleet", ("capacity",))
        partial = next(iter(fake.faults.peek("ec2", "CreateFleet", ("partial",))), None)
        if partial is not None and partial.get("instance_types"):
            wanted = {ov["InstanceType"] for _, _, ov in overrides}
            if not wanted & set(partial["instance_types"]):
                partial = None
        budget = math.inf if partial is None else int(partial.get("launch_count") or 0)
        used_faults = []
        if partial is not None:
            used_faults.append(partial)
        errors, groups = [], []
        launch_index = 0
        now = utcnow()
        cfg = fake.config
        for lifecycle in ("on-demand", "spot"):
            need = counts.get(lifecycle, 0)
            if need <= 0:
                continue
            for _, spec, ov in self._order(overrides, lifecycle, req, ctx):
                if need <= 0:
                    break
                itype = ov["InstanceType"]
                subnet = ov.get("SubnetId") or cfg["default_subnet_id"]
                az = ov.get("AvailabilityZone") or cfg["subnets"].get(subnet) or region + "a"
                lt_and_ov = self._lt_and_overrides(spec, ov)
                info = fake.catalog.get(itype)
                if info is None:
                    errors.append({"LaunchTemplateAndOverrides": lt_and_ov, "Lifecycle": lifecycle,
                                   "ErrorCode": "InvalidParameterValue",
                                   "ErrorMessage": "The instance type '%s' does not exist." % itype})
                    continue
                if lifecycle == "spot" and info.family.startswith("hpc"):
                    errors.append({"LaunchTemplateAndOverrides": lt_and_ov, "Lifecycle": lifecycle,
                                   "ErrorCode": "Unsupported", "ErrorMessage":
                                   "The requested instance type (%s) is not supported for Spot "
                                   "instances." % itype})
                    continue
                zones = fake.offerings.get((itype, region))
                if zones is not None and self.zone_id(az) not in zones:
                    errors.append({"LaunchTemplateAndOverrides": lt_and_ov, "Lifecycle": lifecycle,
                                   "ErrorCode": "Unsupported", "ErrorMessage":
                                   "Your requested instance type (%s) is not supported in your requested "
                                   "Availability Zone (%s). Please retry your request by not specifying an "
                                   "Availability Zone or choosing %s." % (itype, az, ", ".join(zones))})
                    continue
                fault = self._capacity_fault(capacity_faults, itype, az, lifecycle)
                if fault is not None:
                    if fault not in used_faults:
                        used_faults.append(fault)
                    code = fault.get("error_code") or DEFAULT_ICE_CODE
                    errors.append({"LaunchTemplateAndOverrides": lt_and_ov, "Lifecycle": lifecycle,
                                   "ErrorCode": code, "ErrorMessage": fault.get("message") or
                                   self._ice_message(code, itype, az, lifecycle)})
                    continue
                if lifecycle == "spot" and ov.get("MaxPrice"):
                    seeded = self.spot_price_for(itype, az)
                    if seeded is not None and float(seeded["price"]) > float(ov["MaxPrice"]):
                        errors.append({"LaunchTemplateAndOverrides": lt_and_ov,
                                       "Lifecycle": lifecycle, "ErrorCode": "SpotMaxPriceTooLow",
                                       "ErrorMessage": "Your Spot request price of %s is lower "
                                       "than the minimum required Spot request fulfillment price "
                                       "of %s." % (ov["MaxPrice"], seeded["price"])})
                        continue
                weight = ov.get("WeightedCapacity") or 1.0
                wanted = int(math.ceil(need / weight))
                count = int(min(wanted, budget))
                ids = []
                for _ in range(count):
                    inst = self._launch(itype, info, az, subnet, lifecycle, spec, fleet_id,
                                        reservation_id, instance_tags, launch_index, region, now,
                                        token)
                    launch_index += 1
                    ids.append(inst.id)
                if ids:
                    groups.append({"LaunchTemplateAndOverrides": lt_and_ov, "Lifecycle": lifecycle,
                                   "InstanceIds": ids, "InstanceType": itype})
                    need -= count * weight
                    budget -= count
                if count < wanted:
                    code = (partial or {}).get("error_code") or DEFAULT_ICE_CODE
                    errors.append({"LaunchTemplateAndOverrides": lt_and_ov, "Lifecycle": lifecycle,
                                   "ErrorCode": code, "ErrorMessage": (partial or {}).get("message")
                                   or self._ice_message(code, itype, az, lifecycle)})
        for f in used_faults:
            fake.faults.consume(f)
        result = {"FleetId": fleet_id}
        if errors:
            result["Errors"] = errors
        if groups:
            result["Instances"] = groups
        self.fleets[fleet_id] = {"FleetId": fleet_id, "region": region, "tags": fleet_tags,
                                 "instance_ids": [i for g in groups for i in g["InstanceIds"]],
                                 "create_time": now, "client_token": token}
        if token:
            self.fleet_tokens[(region, token)] = (fingerprint, result)
        ctx["note"] = "launched %d instance(s), %d error item(s)" % (
            sum(len(g["InstanceIds"]) for g in groups), len(errors))
        return result

    def _order(self, overrides, lifecycle, req, ctx):
        if lifecycle == "on-demand":
            strategy = (req.get("OnDemandOptions") or {}).get("AllocationStrategy", "lowest-price")
        else:
            strategy = (req.get("SpotOptions") or {}).get("AllocationStrategy",
                                                          "price-capacity-optimized")
        region = ctx["region"]

        def prio(item):
            p = item[2].get("Priority")
            return (p is None, p if p is not None else 0, item[0])

        def price(item):
            ov = item[2]
            info = self.fake.catalog.get(ov["InstanceType"])
            value = None
            if lifecycle == "spot":
                az = ov.get("AvailabilityZone") or region + "a"
                seeded = self.spot_price_for(ov["InstanceType"], az)
                if seeded is not None:
                    value = float(seeded["price"])
            if value is None:
                text = self.fake.on_demand_price(ov["InstanceType"], region)
                value = float(text) if text else None
            if value is None and info is not None and info.price_us_east_1:
                value = float(info.price_us_east_1)
            return (value is None, value or 0.0, item[0])

        if strategy in ("prioritized", "capacity-optimized-prioritized"):
            return sorted(overrides, key=prio)
        return sorted(overrides, key=price)

    @staticmethod
    def _lt_and_overrides(spec, ov):
        lts = {k: spec[k] for k in ("LaunchTemplateId", "LaunchTemplateName", "Version")
               if spec.get(k)}
        o = {k: ov[k] for k in ("InstanceType", "MaxPrice", "SubnetId", "AvailabilityZone",
                                "WeightedCapacity", "Priority", "ImageId") if k in ov}
        return {"LaunchTemplateSpecification": lts, "Overrides": o}

    @staticmethod
    def _capacity_fault(faults, itype, az, lifecycle):
        for f in faults:
            types = f.get("instance_types") or []
            if types and itype not in types:
                continue
            azs = f.get("availability_zones") or []
            if azs and az not in azs:
                continue
            if f.get("lifecycle") and f["lifecycle"] != lifecycle:
                continue
            return f
        return None

    @staticmethod
    def _ice_message(code, itype, az, lifecycle):
        if code == "InsufficientInstanceCapacity":
            if lifecycle == "spot":
                return "There is no Spot capacity available that matches your request."
            return ("We currently do not have sufficient %s capacity in the Availability Zone "
                    "you requested (%s). Our system will be working on provisioning additional "
                    "capacity." % (itype, az))
        if code == "VcpuLimitExceeded":
            return ("You have requested more vCPU capacity than your current vCPU limit allows "
                    "for the instance bucket that the specified instance type belongs to.")
        if code == "MaxSpotInstanceCountExceeded":
            return "Max spot instance count exceeded"
        return "%s (%s in %s)" % (code, itype, az)

    def _launch(self, itype, info, az, subnet, lifecycle, spec, fleet_id, reservation_id,
                user_tags, launch_index, region, now, token):
        cfg = self.fake.config
        ip = self._alloc_ip()
        dns_suffix = "ec2.internal" if region == "us-east-1" else "%s.compute.internal" % region
        tags = {}
        for t in user_tags:
            tags[t["Key"]] = t.get("Value", "")
        if cfg.get("aws_system_tags", True):
            tags["aws:ec2:fleet-id"] = fleet_id
            lt_id = spec.get("LaunchTemplateId") or "lt-" + hashlib.sha1(
                spec.get("LaunchTemplateName", "").encode()).hexdigest()[:17]
            version = spec.get("Version", "1")
            tags["aws:ec2launchtemplate:id"] = lt_id
            tags["aws:ec2launchtemplate:version"] = version if version.isdigit() else "1"
        inst = Instance(
            id=hex_id("i-"), type=itype, az=az, subnet=subnet, vpc=cfg["vpc_id"], ip=ip,
            private_dns="ip-%s.%s" % (ip.replace(".", "-"), dns_suffix), region=region,
            launch_time=now, state="pending",
            running_at=now + datetime.timedelta(seconds=float(cfg["pending_to_running_s"])),
            terminated_at=None, tags=tags, lifecycle="spot" if lifecycle == "spot" else None,
            spot_request_id=hex_id("sir-", 8) if lifecycle == "spot" else None,
            reservation_id=reservation_id, image_id=cfg["default_image_id"], fleet_id=fleet_id,
            client_token=token or fleet_id, launch_index=launch_index,
            arch="arm64" if info.arch == "arm64" else "x86_64", transition_reason="",
            state_reason=None, reached_running=False)
        self.instances[inst.id] = inst
        return inst

    # ---- DescribeInstances ------------------------------------------------
    FILTERS = {
        "instance-id": lambda i: [i.id],
        "instance-state-name": lambda i: [i.state],
        "instance-state-code": lambda i: [str(i.code())],
        "instance-type": lambda i: [i.type],
        "availability-zone": lambda i: [i.az],
        "private-ip-address": lambda i: [i.ip] if i.state != "terminated" else [],
        "private-dns-name": lambda i: [i.private_dns],
        "subnet-id": lambda i: [i.subnet],
        "vpc-id": lambda i: [i.vpc],
        "image-id": lambda i: [i.image_id],
        "reservation-id": lambda i: [i.reservation_id],
        "instance-lifecycle": lambda i: [i.lifecycle] if i.lifecycle else [],
        "client-token": lambda i: [i.client_token],
        "tag-key": lambda i: list(i.tags),
        "tag-value": lambda i: list(i.tags.values()),
    }

    def _filter_values(self, name, inst):
        if name.startswith("tag:"):
            key = name[4:]
            return [inst.tags[key]] if key in inst.tags else []
        return self.FILTERS[name](inst)

    def _check_filters(self, filters, known):
        for f in filters:
            name = f.get("Name", "")
            if not (name in known or (known is self.FILTERS and name.startswith("tag:")
                                      and len(name) > 4)):
                raise ec2_error("InvalidParameterValue", "The filter '%s' is invalid" % name)

    @staticmethod
    def _matches(filters, values_of):
        for f in filters:
            values = values_of(f["Name"])
            if not any(wildcard_match(p, v) for p in f.get("Values", []) for v in values):
                return False
        return True

    def op_DescribeInstances(self, req, ctx):
        ids = req.get("InstanceIds", [])
        filters = req.get("Filters", [])
        max_results = req.get("MaxResults")
        if ids and max_results is not None:
            raise ec2_error("InvalidParameterCombination", "The parameter instancesSet cannot be "
                            "used with the parameter maxResults")
        check_max_results(max_results, 5, 1000)
        self._check_filters(filters, self.FILTERS)
        region = ctx["region"]
        chosen = self._lookup_ids(ids, region) if ids else self._region_instances(region)
        chosen = [i for i in chosen if self._matches(filters, lambda n, i=i: self._filter_values(n, i))]
        key = {"ids": ids, "filters": filters, "max": max_results}
        start = decode_token(req["NextToken"], "di", key) if req.get("NextToken") else 0
        end = len(chosen) if max_results is None else start + max_results
        page = chosen[start:end]
        reservations = []
        for inst in page:
            if reservations and reservations[-1]["ReservationId"] == inst.reservation_id:
                reservations[-1]["Instances"].append(inst.to_model())
            else:
                reservations.append({"ReservationId": inst.reservation_id,
                                     "OwnerId": self.fake.config["account_id"],
                                     "Groups": [], "Instances": [inst.to_model()]})
        result = {"Reservations": reservations}
        if end < len(chosen):
            result["NextToken"] = encode_token("di", end, key)
        return result

    # ---- TerminateInstances -------------------------------------------------
    def op_TerminateInstances(self, req, ctx):
        insts = self._lookup_ids(req["InstanceIds"], ctx["region"])
        now = utcnow()
        delay = datetime.timedelta(seconds=float(self.fake.config["shutting_down_to_terminated_s"]))
        out = []
        for inst in insts:
            previous = {"Code": inst.code(), "Name": inst.state}
            if inst.state not in ("shutting-down", "terminated"):
                self.set_state(inst, "shutting-down", now, delay, user=True)
            out.append({"InstanceId": inst.id, "CurrentState": {"Code": inst.code(),
                                                                 "Name": inst.state},
                        "PreviousState": previous})
        return {"TerminatingInstances": out}

    def set_state(self, inst, state, now, delay=None, user=False):
        """Move an instance to shutting-down/terminated/stopping/stopped/running
        (TerminateInstances and the control API)."""
        if delay is None:
            delay = datetime.timedelta(0)
        old = inst.state
        if state in ("shutting-down", "terminated"):
            inst.state = "shutting-down"
            inst.terminated_at = now + (delay if state == "shutting-down" else datetime.timedelta(0))
            if user:
                inst.transition_reason = "User initiated (%s GMT)" % now.strftime("%Y-%m-%d %H:%M:%S")
                inst.state_reason = {"Code": "Client.UserInitiatedShutdown",
                                     "Message": "Client.UserInitiatedShutdown: User initiated shutdown"}
            else:
                inst.transition_reason = "Service initiated (%s GMT)" % now.strftime("%Y-%m-%d %H:%M:%S")
                inst.state_reason = {"Code": "Server.SpotInstanceTermination" if inst.lifecycle
                                     == "spot" else "Server.ScheduledStop",
                                     "Message": "Server.SpotInstanceTermination: Spot instance "
                                     "termination" if inst.lifecycle == "spot" else
                                     "Server.ScheduledStop: Stopped due to scheduled retirement"}
            if state == "terminated":
                inst.state = "terminated"
        elif state in ("stopping", "stopped"):
            inst.state = state
            inst.terminated_at = now
        elif state == "running":
            inst.state = "running"
            inst.state_reason = None
            inst.transition_reason = ""
        else:
            raise ValueError("unsupported state %s" % state)
        if old in ("pending", "running") and inst.state not in ("pending", "running") \
                and inst.reached_running:
            self.jobs.append(("terminate", inst.to_model()))
        if old not in ("pending", "running") and inst.state == "running":
            inst.reached_running = True
            self.jobs.append(("launch", inst.to_model()))

    # ---- CreateTags ---------------------------------------------------------
    def op_CreateTags(self, req, ctx):
        tags = req["Tags"]
        self._check_tag_keys(tags)
        resources = req["Resources"]
        inst_ids = [r for r in resources if r.startswith("i-")]
        insts = self._lookup_ids(inst_ids, ctx["region"])
        for inst in insts:
            for t in tags:
                inst.tags[t["Key"]] = t.get("Value", "")
            if len(inst.tags) > 50:
                raise ec2_error("TagLimitExceeded", "The maximum number of Tags for a resource "
                                "has been reached.")
        for rid in resources:
            if rid in self.fleets:
                self.fleets[rid]["tags"] += tags
        return {}

    # ---- DescribeInstanceTypes ----------------------------------------------
    def _type_model(self, info):
        d = {
            "InstanceType": info.name,
            "CurrentGeneration": True,
            "SupportedUsageClasses": ["on-demand"] if info.family.startswith("hpc")
            else ["on-demand", "spot"],
            "SupportedRootDeviceTypes": ["ebs"],
            "SupportedVirtualizationTypes": ["hvm"],
            "BareMetal": info.name.endswith(".metal") or "metal-" in info.name,
            "Hypervisor": "nitro",
            "ProcessorInfo": {"SupportedArchitectures": [info.arch]},
            "VCpuInfo": {"DefaultVCpus": info.vcpus},
            "MemoryInfo": {"SizeInMiB": info.memory_mib},
            "InstanceStorageSupported": False,
            "NetworkInfo": {"EfaSupported": info.efa, "EnaSupport": "required"},
        }
        if info.network_gbps is not None:
            d["NetworkInfo"]["NetworkCards"] = [{"NetworkCardIndex": 0,
                                                 "BaselineBandwidthInGbps": info.network_gbps}]
        if info.gpus and info.is_neuron:
            d["NeuronInfo"] = {"NeuronDevices": [{"Count": info.gpus,
                                                  "Name": info.gpu_model.capitalize()}]}
        elif info.gpus:
            gpu = {"Name": info.gpu_model.upper(), "Manufacturer": "NVIDIA", "Count": info.gpus}
            if info.gpu_memory_mib:
                gpu["MemoryInfo"] = {"SizeInMiB": info.gpu_memory_mib}
            d["GpuInfo"] = {"Gpus": [gpu]}
            if info.gpu_memory_mib:
                d["GpuInfo"]["TotalGpuMemoryInMiB"] = info.gpu_memory_mib * info.gpus
        return d

    TYPE_FILTERS = {
        "instance-type": lambda t: [t.name],
        "processor-info.supported-architecture": lambda t: [t.arch],
        "vcpu-info.default-vcpus": lambda t: [str(t.vcpus)],
        "memory-info.size-in-mib": lambda t: [str(t.memory_mib)],
        "network-info.efa-supported": lambda t: ["true" if t.efa else "false"],
        "current-generation": lambda t: ["true"],
        "bare-metal": lambda t: ["true" if t.name.endswith("metal") else "false"],
        "supported-usage-class": lambda t: ["on-demand"] if t.family.startswith("hpc")
        else ["on-demand", "spot"],
        "gpu-info.count": lambda t: [str(t.gpus)] if t.gpus and not t.is_neuron else [],
    }

    def zone_id(self, az):
        return (self.fake.config.get("zone_ids") or {}).get(az) or zone_id_of(az)

    def op_DescribeSubnets(self, req, ctx):
        cfg = self.fake.config
        region = ctx["region"]
        known = dict(cfg["subnets"])
        known.setdefault(cfg["default_subnet_id"], region + "a")
        ids = req.get("SubnetIds") or sorted(known)
        subnets = []
        for sid in ids:
            if sid not in known:
                raise ec2_error("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist" % sid)
            az = known[sid]
            subnets.append({"SubnetId": sid, "AvailabilityZone": az, "AvailabilityZoneId": self.zone_id(az),
                            "VpcId": cfg["vpc_id"], "State": "available", "OwnerId": cfg["account_id"]})
        return {"Subnets": subnets}

    def zone_name(self, region, zone_id):
        """The inverse of zone_id() for this region (config zone_ids first)."""
        for name, zid in (self.fake.config.get("zone_ids") or {}).items():
            if zid == zone_id and name.startswith(region):
                return name
        number = zone_id.rsplit("-az", 1)[-1]
        return region + chr(ord("a") + int(number) - 1) if number.isdigit() and int(number) > 0 else zone_id

    def op_DescribeInstanceTypeOfferings(self, req, ctx):
        """From the offerings file: the zones (IDs or names) or the region itself."""
        region = ctx["region"]
        location_type = req.get("LocationType") or "region"
        if location_type not in ("region", "availability-zone", "availability-zone-id"):
            raise ec2_error("InvalidParameterValue", "Invalid value '%s' for LocationType" % location_type)
        filters = {f["Name"]: f.get("Values", []) for f in req.get("Filters", [])}
        for name in filters:
            if name not in ("instance-type", "location"):
                raise ec2_error("InvalidParameterValue", "The filter '%s' is invalid" % name)
        items = []
        for (itype, r), zones in sorted(self.fake.offerings.items()):
            if r != region or itype not in self.fake.catalog:
                continue
            if location_type == "region":
                locations = [region]
            elif location_type == "availability-zone-id":
                locations = zones
            else:
                locations = [self.zone_name(region, z) for z in zones]
            for loc in locations:
                if "instance-type" in filters and not any(wildcard_match(v, itype) for v in filters["instance-type"]):
                    continue
                if "location" in filters and not any(wildcard_match(v, loc) for v in filters["location"]):
                    continue
                items.append({"InstanceType": itype, "LocationType": location_type, "Location": loc})
        max_results = req.get("MaxResults")
        if max_results is not None:
            check_max_results(max_results, 5, 1000, "MaxResults")
        size = max_results or 1000
        key = {"location_type": location_type, "filters": filters, "max": max_results}
        offset = decode_token(req["NextToken"], "dito", key) if req.get("NextToken") else 0
        result = {"InstanceTypeOfferings": items[offset:offset + size]}
        if offset + size < len(items):
            result["NextToken"] = encode_token("dito", offset + size, key)
        return result

    def op_DescribeInstanceTypes(self, req, ctx):
        names = req.get("InstanceTypes", [])
        filters = req.get("Filters", [])
        max_results = req.get("MaxResults")
        check_max_results(max_results, 5, 100)
        self._check_filters(filters, self.TYPE_FILTERS)
        catalog = self.fake.catalog
        missing = [n for n in names if n not in catalog]
        if missing:
            raise ec2_error("InvalidInstanceType", "The following supplied instance types do not "
                            "exist: [%s]" % ", ".join(missing))
        chosen = [catalog[n] for n in names] if names else list(catalog.values())
        chosen = [t for t in chosen
                  if self._matches(filters, lambda n, t=t: self.TYPE_FILTERS[n](t))]
        key = {"names": names, "filters": filters, "max": max_results}
        start = decode_token(req["NextToken"], "dit", key) if req.get("NextToken") else 0
        end = start + (max_results or 100)
        result = {"InstanceTypes": [self._type_model(t) for t in chosen[start:end]]}
        if end < len(chosen):
            result["NextToken"] = encode_token("dit", end, key)
        return result

    # ---- DescribeSpotPriceHistory -------------------------------------------
    SPOT_FILTERS = {
        "availability-zone": lambda p: [p["availability_zone"]],
        "instance-type": lambda p: [p["instance_type"]],
        "product-description": lambda p: [p["product_description"]],
        "spot-price": lambda p: [p["price"]],
        "timestamp": lambda p: [iso_ms_z(p["timestamp"])],
    }

    def op_DescribeSpotPriceHistory(self, req, ctx):
        region = ctx["region"]
        filters = req.get("Filters", [])
        self._check_filters(filters, self.SPOT_FILTERS)
        max_results = req.get("MaxResults")
        check_max_results(max_results, 1, 1000)
        types = set(req.get("InstanceTypes", []))
        descs = set(req.get("ProductDescriptions", []))
        az = req.get("AvailabilityZone")
        start_time, end_time = req.get("StartTime"), req.get("EndTime")
        rows = [p for p in self.spot_prices if p["availability_zone"].startswith(region)
                and (not types or p["instance_type"] in types)
                and (not descs or p["product_description"] in descs)
                and (not az or p["availability_zone"] == az)
                and (end_time is None or p["timestamp"] <= end_time)
                and self._matches(filters, lambda n, p=p: self.SPOT_FILTERS[n](p))]
        if start_time is not None:
            # Prices in effect during the window: those set inside it, plus the
            # last one set before it, for each type/zone/product.
            keep, latest_before = [], {}
            for p in rows:
                if p["timestamp"] >= start_time:
                    keep.append(p)
                else:
                    k = (p["instance_type"], p["availability_zone"], p["product_description"])
                    if k not in latest_before or p["timestamp"] > latest_before[k]["timestamp"]:
                        latest_before[k] = p
            rows = keep + list(latest_before.values())
        rows.sort(key=lambda p: p["timestamp"], reverse=True)
        key = {"t": sorted(types), "d": sorted(descs), "az": az, "f": filters,
               "s": str(start_time), "e": str(end_time), "m": max_results}
        start = decode_token(req["NextToken"], "sph", key) if req.get("NextToken") else 0
        end = start + (max_results or 1000)
        out = [{"AvailabilityZone": p["availability_zone"], "InstanceType": p["instance_type"],
                "ProductDescription": p["product_description"], "SpotPrice": p["price"],
                "Timestamp": p["timestamp"]} for p in rows[start:end]]
        result = {"SpotPriceHistory": out, "NextToken": ""}
        if end < len(rows):
            result["NextToken"] = encode_token("sph", end, key)
        return result

    def seed_spot_prices(self, items):
        added = []
        for item in items:
            try:
                price = item["price"]
                rec = {"instance_type": item["instance_type"],
                       "availability_zone": item["availability_zone"],
                       "price": price if isinstance(price, str) else "%.6f" % float(price),
                       "product_description": item.get("product_description", "Linux/UNIX"),
                       "timestamp": parse_iso(item["timestamp"]) if item.get("timestamp")
                       else utcnow()}
            except (KeyError, ValueError, TypeError) as exc:
                raise ValueError("spot price needs instance_type, availability_zone, price "
                                 "(timestamp optional): %s" % exc)
            float(rec["price"])
            self.spot_prices.append(rec)
            added.append(rec)
        return len(added)

    def state(self):
        return {"instances": [i.to_state() for i in self.instances.values()],
                "fleets": [{"fleet_id": f["FleetId"], "region": f["region"],
                            "instance_ids": f["instance_ids"], "client_token": f["client_token"],
                            "tags": f["tags"]} for f in self.fleets.values()],
                "spot_prices": [dict(p, timestamp=iso_ms_z(p["timestamp"]))
                                for p in self.spot_prices]}
