"""AWS PCS (awsJson 1.0) and AWS Price List (awsJson 1.1) of the fake."""

import base64
import datetime
import decimal
import hashlib
import json
import random
import string

from fake_common import REGION_LOCATIONS, ApiError, iso_ms_z, utcnow

PCS_STATUSES = ("CREATING", "ACTIVE", "UPDATING", "DELETING", "CREATE_FAILED", "DELETE_FAILED",
                "UPDATE_FAILED", "DELETED", "SUSPENDING", "SUSPENDED", "RESUMING")
PCS_UPDATABLE = ("amiId", "subnetIds", "customLaunchTemplate", "purchaseOption", "spotOptions",
                 "scalingConfiguration", "iamInstanceProfileArn", "slurmConfiguration",
                 "nodeLifecycleActions")
PCS_PURCHASE_OPTIONS = ("ONDEMAND", "SPOT", "CAPACITY_BLOCK", "INTERRUPTIBLE_CAPACITY_RESERVATION")


def validation_error(message, fields=None, reason="fieldValidationFailed"):
    extra = {"reason": reason}
    if fields:
        extra["fieldList"] = [{"name": n, "message": m} for n, m in fields]
    return ApiError("ValidationException", message, 400, extra)


def serialization_error(message):
    return ApiError("SerializationException", message, 400)


def pcs_id():
    return "pcs_" + "".join(random.choice(string.ascii_lowercase + string.digits)
                            for _ in range(10))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _encode_token(offset, key):
    raw = json.dumps({"o": offset, "k": key}, sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token, key):
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["k"] != key or not _is_int(data["o"]) or data["o"] < 0:
            raise ValueError
        return data["o"]
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, AttributeError):
        return None


class PcsService:
    def __init__(self, fake):
        self.fake = fake
        self.reset()

    def reset(self):
        self.clusters = {}   # cluster id -> dict(name, id, region, arn, groups: {id: ng}, ...)
        self.tokens = {}     # (cluster id, ng id, clientToken) -> (fingerprint, response)

    # ---- seeding (control API) ------------------------------------------
    def seed(self, body):
        fake = self.fake
        region = body.get("region", "us-east-1")
        account = fake.config["account_id"]
        cluster_in = body.get("cluster", "stratus-fake")
        if isinstance(cluster_in, str):
            cluster_in = {"name": cluster_in}
        cluster = self._find_cluster(cluster_in.get("id") or cluster_in["name"], region)
        if cluster is None:
            cid = cluster_in.get("id") or pcs_id()
            cluster = {"name": cluster_in["name"], "id": cid, "region": region,
                       "arn": "arn:aws:pcs:%s:%s:cluster/%s" % (region, account, cid),
                       "groups": {}}
            self.clusters[cid] = cluster
        out = []
        now = utcnow()
        for spec in body.get("computeNodeGroups", []):
            if not isinstance(spec, dict) or not spec.get("name"):
                raise ValueError("each computeNodeGroups item needs a name")
            ng = self._find_group(cluster, spec.get("id") or spec["name"])
            if ng is None:
                gid = spec.get("id") or pcs_id()
                ng = {
                    "name": spec["name"], "id": gid,
                    "arn": "%s/computenodegroup/%s" % (cluster["arn"], gid),
                    "clusterId": cluster["id"], "createdAt": now, "modifiedAt": now,
                    "status": "ACTIVE", "subnetIds": [fake.config["default_subnet_id"]],
                    "purchaseOption": "ONDEMAND",
                    "customLaunchTemplate": {"id": "lt-0fa4e0000000000a1", "version": "1"},
                    "iamInstanceProfileArn": "arn:aws:iam::%s:instance-profile/AWSPCS-fake"
                                             % account,
                    "scalingConfiguration": {"minInstanceCount": 0, "maxInstanceCount": 10},
                    "instanceConfigs": [{"instanceType": "c7g.large"}],
                    "_update_done": None,
                }
                cluster["groups"][gid] = ng
            for k, v in spec.items():
                if k in ("id", "arn", "clusterId"):
                    continue
                if k in ("createdAt", "modifiedAt"):
                    v = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
                if k == "status" and v not in PCS_STATUSES:
                    raise ValueError("status must be one of %s" % ", ".join(PCS_STATUSES))
                ng[k] = v
            out.append(self.public(ng))
        return {"cluster": {"name": cluster["name"], "id": cluster["id"], "region": region,
                            "arn": cluster["arn"]}, "computeNodeGroups": out}

    @staticmethod
    def public(ng):
        d = {k: v for k, v in ng.items() if not k.startswith("_")}
        d["createdAt"] = iso_ms_z(ng["createdAt"])
        d["modifiedAt"] = iso_ms_z(ng["modifiedAt"])
        return json.loads(json.dumps(d))

    def state(self):
        return [{"name": c["name"], "id": c["id"], "region": c["region"], "arn": c["arn"],
                 "computeNodeGroups": [self.public(g) for g in c["groups"].values()]}
                for c in self.clusters.values()]

    def tick(self, now):
        for c in self.clusters.values():
            for ng in c["groups"].values():
                done = ng.get("_update_done")
                if ng["status"] == "UPDATING" and done is not None and now >= done:
                    ng["status"] = "ACTIVE"
                    ng["modifiedAt"] = done
                    ng["_update_done"] = None
        return []

    # ---- lookups ----------------------------------------------------------
    def _find_cluster(self, ident, region):
        for c in self.clusters.values():
            if c["region"] == region and ident in (c["id"], c["name"]):
                return c
        return None

    @staticmethod
    def _find_group(cluster, ident):
        for g in cluster["groups"].values():
            if ident in (g["id"], g["name"]):
                return g
        return None

    def _cluster(self, req, region):
        ident = req.get("clusterIdentifier")
        if not isinstance(ident, str) or not ident:
            raise validation_error("1 validation error detected: Value null at "
                                   "'clusterIdentifier' failed to satisfy constraint: Member "
                                   "must not be null", [("clusterIdentifier",
                                                         "Member must not be null")])
        cluster = self._find_cluster(ident, region)
        if cluster is None:
            raise ApiError("ResourceNotFoundException",
                           "Cluster %s not found." % ident, 404,
                           {"resourceId": ident, "resourceType": "cluster"})
        return cluster

    def _group(self, cluster, req):
        ident = req.get("computeNodeGroupIdentifier")
        if not isinstance(ident, str) or not ident:
            raise validation_error("1 validation error detected: Value null at "
                                   "'computeNodeGroupIdentifier' failed to satisfy constraint: "
                                   "Member must not be null",
                                   [("computeNodeGroupIdentifier", "Member must not be null")])
        ng = self._find_group(cluster, ident)
        if ng is None:
            raise ApiError("ResourceNotFoundException",
                           "Compute node group %s not found in cluster %s." % (ident,
                                                                                cluster["name"]),
                           404, {"resourceId": ident, "resourceType": "computeNodeGroup"})
        return ng

    # ---- operations -------------------------------------------------------
    def handle(self, operation, req, ctx):
        handler = getattr(self, "op_" + operation, None)
        if handler is None:
            raise ApiError("UnknownOperationException",
                           "The fake does not implement AWSParallelComputingService.%s"
                           % operation, 400)
        return handler(req, ctx)

    def op_GetComputeNodeGroup(self, req, ctx):
        cluster = self._cluster(req, ctx["region"])
        return {"computeNodeGroup": self.public(self._group(cluster, req))}

    def op_ListComputeNodeGroups(self, req, ctx):
        cluster = self._cluster(req, ctx["region"])
        max_results = req.get("maxResults")
        if max_results is not None:
            if not _is_int(max_results):
                raise serialization_error("maxResults must be an integer")
            if not 1 <= max_results <= 100:
                raise validation_error("1 validation error detected: Value '%d' at 'maxResults' "
                                       "failed to satisfy constraint: Member must have value "
                                       "between 1 and 100" % max_results,
                                       [("maxResults", "Member must have value between 1 and 100")])
        groups = list(cluster["groups"].values())
        key = cluster["id"]
        start = 0
        if req.get("nextToken") is not None:
            start = _decode_token(req["nextToken"], key)
            if start is None:
                raise validation_error("The nextToken is not valid.",
                                       [("nextToken", "Invalid pagination token")])
        end = start + (max_results or 100)
        summaries = []
        for g in groups[start:end]:
            p = self.public(g)
            summaries.append({k: p[k] for k in ("name", "id", "arn", "clusterId", "createdAt",
                                                "modifiedAt", "status")})
        result = {"computeNodeGroups": summaries}
        if end < len(groups):
            result["nextToken"] = _encode_token(end, key)
        return result

    def op_UpdateComputeNodeGroup(self, req, ctx):
        cluster = self._cluster(req, ctx["region"])
        ng = self._group(cluster, req)
        token = req.get("clientToken")
        if token is not None:
            if not isinstance(token, str):
                raise serialization_error("clientToken must be a string")
            if not 8 <= len(token) <= 100:
                raise validation_error("1 validation error detected: Value at 'clientToken' "
                                       "failed to satisfy constraint: Member must have length "
                                       "between 8 and 100", [("clientToken", "Member must have "
                                                              "length between 8 and 100")])
        fingerprint = json.dumps({k: v for k, v in req.items() if k != "clientToken"},
                                 sort_keys=True)
        if token is not None:
            old = self.tokens.get((cluster["id"], ng["id"], token))
            if old is not None:
                if old[0] != fingerprint:
                    raise ApiError("ConflictException", "The clientToken was already used for a "
                                   "different request.", 409,
                                   {"resourceId": ng["id"], "resourceType": "computeNodeGroup"})
                ctx["note"] = "idempotent replay"
                return old[1]
        scaling = req.get("scalingConfiguration")
        if scaling is not None:
            if not isinstance(scaling, dict):
                raise serialization_error("scalingConfiguration must be an object")
            problems = []
            for f in ("minInstanceCount", "maxInstanceCount"):
                if f not in scaling:
                    problems.append(("scalingConfiguration.%s" % f, "Member must not be null"))
                elif not _is_int(scaling[f]):
                    raise serialization_error("scalingConfiguration.%s must be an integer" % f)
                elif scaling[f] < 0:
                    problems.append(("scalingConfiguration.%s" % f,
                                     "Member must have value greater than or equal to 0"))
            if problems:
                raise validation_error("%d validation error(s) detected: %s" % (
                    len(problems), "; ".join("%s: %s" % p for p in problems)), problems)
            if scaling["minInstanceCount"] > scaling["maxInstanceCount"]:
                raise validation_error(
                    "minInstanceCount (%d) must be less than or equal to maxInstanceCount (%d)."
                    % (scaling["minInstanceCount"], scaling["maxInstanceCount"]),
                    [("scalingConfiguration.minInstanceCount",
                      "minInstanceCount must be less than or equal to maxInstanceCount")])
            quota = self.fake.config.get("pcs_max_instances_quota")
            if quota is not None and scaling["maxInstanceCount"] > int(quota):
                raise ApiError("ServiceQuotaExceededException",
                               "maxInstanceCount %d exceeds the service quota of %d instances."
                               % (scaling["maxInstanceCount"], int(quota)), 402,
                               {"serviceCode": "pcs", "resourceId": ng["id"],
                                "resourceType": "computeNodeGroup"})
        if "purchaseOption" in req and req["purchaseOption"] not in PCS_PURCHASE_OPTIONS:
            raise validation_error("Value '%s' at 'purchaseOption' failed to satisfy constraint: "
                                   "Member must satisfy enum value set: [%s]"
                                   % (req["purchaseOption"], ", ".join(PCS_PURCHASE_OPTIONS)),
                                   [("purchaseOption", "Member must satisfy enum value set")])
        if ng["status"] != "ACTIVE":
            raise ApiError("ConflictException",
                           "Compute node group %s is in %s state and can't be updated now."
                           % (ng["name"], ng["status"]), 409,
                           {"resourceId": ng["id"], "resourceType": "computeNodeGroup"})
        now = utcnow()
        for k in PCS_UPDATABLE:
            if k in req:
                if k == "slurmConfiguration" and isinstance(ng.get(k), dict):
                    merged = dict(ng[k])
                    merged.update(req[k])
                    ng[k] = merged
                else:
                    ng[k] = req[k]
        ng["status"] = "UPDATING"
        ng["modifiedAt"] = now
        ng["_update_done"] = now + datetime.timedelta(
            seconds=float(self.fake.config["pcs_update_delay_s"]))
        result = {"computeNodeGroup": self.public(ng)}
        if token is not None:
            self.tokens[(cluster["id"], ng["id"], token)] = (fingerprint, result)
        return result


# ---- Pricing -----------------------------------------------------------
USAGE_PREFIX = {"us-east-1": "", "us-east-2": "USE2-", "us-west-1": "USW1-", "us-west-2": "USW2-",
                "eu-west-1": "EU-", "eu-central-1": "EUC1-", "eu-west-2": "EUW2-",
                "ap-northeast-1": "APN1-", "ap-southeast-1": "APS1-", "ap-southeast-2": "APS2-",
                "ap-south-1": "APS3-", "ca-central-1": "CAN1-", "sa-east-1": "SAE1-",
                "eu-north-1": "EUN1-", "eu-west-3": "EUW3-", "ap-northeast-2": "APN2-"}
OFFER_TERM_ON_DEMAND = "JRTCKXETXF"
RATE_CODE_HOURLY = "6YS6EN2CT7"
DEFAULT_ATTRS = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA",
                 "capacitystatus": "Used", "licenseModel": "No License required"}
FILTER_TYPES = ("TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF")
PUBLICATION = "2026-07-20T13:44:30Z"


def pricing_error(code, message, status=400):
    return ApiError(code, message, status)


def memory_text(mib):
    gib = decimal.Decimal(mib) / 1024
    if gib == gib.to_integral_value():
        return "{:,} GiB".format(int(gib))
    return "%s GiB" % format(gib.normalize(), "f")


class PricingService:
    def __init__(self, fake):
        self.fake = fake
        self.reset()

    def reset(self):
        self.seeded = {}   # key tuple -> dict(instance_type, region, price, attrs) or None

    @staticmethod
    def _key(region, itype, attrs):
        return (region, itype) + tuple(attrs[k] for k in sorted(DEFAULT_ATTRS))

    def seed(self, items):
        n = 0
        for item in items:
            if not isinstance(item, dict) or "instance_type" not in item or "region" not in item:
                raise ValueError("each price needs instance_type, region and price")
            attrs = dict(DEFAULT_ATTRS)
            for src, dst in (("operating_system", "operatingSystem"), ("tenancy", "tenancy"),
                             ("pre_installed_sw", "preInstalledSw"),
                             ("capacitystatus", "capacitystatus"),
                             ("license_model", "licenseModel")):
                if src in item:
                    attrs[dst] = item[src]
            price = item.get("price")
            if price is not None:
                price = str(price)
                decimal.Decimal(price)
            self.seeded[self._key(item["region"], item["instance_type"], attrs)] = (
                None if price is None else {"instance_type": item["instance_type"],
                                            "region": item["region"], "price": price,
                                            "attrs": attrs})
            n += 1
        return n

    def products(self):
        """Every product the fake knows: catalog us-east-1 prices, then seeded ones."""
        merged = {}
        for info in self.fake.catalog.values():
            if info.price_us_east_1:
                k = self._key("us-east-1", info.name, DEFAULT_ATTRS)
                merged[k] = {"instance_type": info.name, "region": "us-east-1",
                             "price": info.price_us_east_1, "attrs": dict(DEFAULT_ATTRS)}
        for k, v in self.seeded.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        return [merged[k] for k in sorted(merged)]

    def on_demand_price(self, itype, region):
        k = self._key(region, itype, DEFAULT_ATTRS)
        if k in self.seeded:
            return self.seeded[k]["price"] if self.seeded[k] else None
        if region == "us-east-1":
            info = self.fake.catalog.get(itype)
            return info.price_us_east_1 if info else None
        return None

    def document(self, p):
        info = self.fake.catalog.get(p["instance_type"])
        region = p["region"]
        attrs = {
            "servicecode": "AmazonEC2", "servicename": "Amazon Elastic Compute Cloud",
            "instanceType": p["instance_type"], "regionCode": region,
            "location": REGION_LOCATIONS.get(region, region), "locationType": "AWS Region",
            "usagetype": "%sBoxUsage:%s" % (USAGE_PREFIX.get(region, region.upper() + "-"),
                                             p["instance_type"]),
            "operation": "RunInstances", "currentGeneration": "Yes", "marketoption": "OnDemand",
            "processorArchitecture": "64-bit",
        }
        if info is not None:
            attrs["vcpu"] = str(info.vcpus)
            attrs["memory"] = memory_text(info.memory_mib)
            if info.gpus and not info.is_neuron:
                attrs["gpu"] = str(info.gpus)
        attrs.update(p["attrs"])
        sku = base64.b32encode(hashlib.sha256(json.dumps(
            [region, p["instance_type"], p["attrs"]], sort_keys=True).encode()).digest()
        ).decode()[:16]
        price = decimal.Decimal(p["price"])
        term = "%s.%s" % (sku, OFFER_TERM_ON_DEMAND)
        rate = "%s.%s" % (term, RATE_CODE_HOURLY)
        return {
            "product": {"productFamily": "Compute Instance", "attributes": attrs, "sku": sku},
            "serviceCode": "AmazonEC2",
            "terms": {"OnDemand": {term: {
                "priceDimensions": {rate: {
                    "unit": "Hrs", "endRange": "Inf",
                    "description": "$%s per On Demand %s %s Instance Hour" % (
                        format(price.normalize(), "f"), attrs["operatingSystem"],
                        p["instance_type"]),
                    "appliesTo": [], "rateCode": rate, "beginRange": "0",
                    "pricePerUnit": {"USD": "%.10f" % price}}},
                "sku": sku, "effectiveDate": "2026-07-01T00:00:00Z",
                "offerTermCode": OFFER_TERM_ON_DEMAND, "termAttributes": {}}}},
            "version": "20260720134430", "publicationDate": PUBLICATION,
        }

    @staticmethod
    def _match(doc, flt):
        field, ftype, value = flt["Field"], flt["Type"], flt["Value"]
        attrs = doc["product"]["attributes"]
        if field in attrs:
            have = attrs[field]
        elif field in ("productFamily", "sku"):
            have = doc["product"][field]
        else:
            have = None
        if ftype == "NONE_OF":
            return have is None or have.lower() not in [v.strip().lower() for v in value.split(",")]
        if have is None:
            return False
        if ftype in ("TERM_MATCH", "EQUALS"):
            return have.lower() == value.lower()
        if ftype == "CONTAINS":
            return value.lower() in have.lower()
        return have.lower() in [v.strip().lower() for v in value.split(",")]  # ANY_OF

    def handle(self, operation, req, ctx):
        if operation != "GetProducts":
            raise ApiError("UnknownOperationException",
                           "The fake does not implement AWSPriceListService.%s" % operation, 400)
        code = req.get("ServiceCode")
        if not isinstance(code, str) or not code:
            raise pricing_error("InvalidParameterException", "ServiceCode is required.")
        fmt = req.get("FormatVersion", "aws_v1")
        if fmt != "aws_v1":
            raise pricing_error("InvalidParameterException",
                                "Invalid FormatVersion: %s (valid: aws_v1)" % fmt)
        filters = req.get("Filters") or []
        if not isinstance(filters, list):
            raise serialization_error("Filters must be a list")
        for f in filters:
            if not isinstance(f, dict) or not all(isinstance(f.get(k), str)
                                                  for k in ("Type", "Field", "Value")):
                raise pricing_error("InvalidParameterException",
                                    "Each filter needs string Type, Field and Value.")
            if f["Type"] not in FILTER_TYPES:
                raise pricing_error("InvalidParameterException",
                                    "Invalid filter type %s (valid: %s)"
                                    % (f["Type"], ", ".join(FILTER_TYPES)))
        max_results = req.get("MaxResults")
        if max_results is not None and (not _is_int(max_results) or not 1 <= max_results <= 100):
            raise pricing_error("InvalidParameterException",
                                "MaxResults must be an integer between 1 and 100.")
        docs = []
        if code == "AmazonEC2":
            for p in self.products():
                doc = self.document(p)
                if all(self._match(doc, f) for f in filters):
                    docs.append(doc)
        key = hashlib.sha256(json.dumps([code, filters], sort_keys=True).encode()).hexdigest()[:16]
        start = 0
        if req.get("NextToken"):
            start = _decode_token(req["NextToken"], key)
            if start is None:
                raise pricing_error("InvalidNextTokenException", "The pagination token is invalid.")
        end = start + (max_results or 100)
        result = {"FormatVersion": "aws_v1",
                  "PriceList": [json.dumps(d, separators=(",", ":")) for d in docs[start:end]]}
        if end < len(docs):
            result["NextToken"] = _encode_token(end, key)
        return result
