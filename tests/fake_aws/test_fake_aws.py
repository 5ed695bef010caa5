#!/usr/bin/env python3
"""Tests of the fake AWS server (tests/fake_aws/fake_aws.py).

    python3 tests/fake_aws/test_fake_aws.py [-v]

* our SigV4 code against all 34 cases of the AWS SigV4 test suite;
* a real server process on a free port, driven by
  - botocore (skipped with a message when the module is missing),
  - hand-built requests signed by our own signer,
  - curl --aws-sigv4 (libcurl 7.88 signs exactly like the C++ client);
* IMDSv2, PCS, Pricing, EC2 state, pagination, every fault kind, hooks,
  SIGTERM.
"""

import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sigv4  # noqa: E402

FAKE = os.path.join(HERE, "fake_aws.py")
SUITE_CANDIDATES = [os.path.join(HERE, "sigv4-test-suite.json"),
                    "/work/shared/data/sigv4-test-suite.json"]
AKID, SECRET = "AKIDSTRATUSFAKE", "stratus-fake-secret"
NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"

try:
    import botocore.session
    import botocore.config
    import botocore.exceptions
    HAVE_BOTOCORE = True
except ImportError:  # pragma: no cover
    HAVE_BOTOCORE = False

BOTOCORE_SKIP = ("python module botocore not installed (Debian: apt-get install "
                 "python3-botocore): botocore checks skipped")


def find_suite():
    for path in SUITE_CANDIDATES:
        if os.path.exists(path):
            return path
    return None


def parse_raw_request(raw):
    """Parse a .req file of the SigV4 suite: request line, headers (with
    continuation lines), blank line, body."""
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    headers = []
    for line in lines[1:]:
        if line and line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return method, target, headers, body


# ---------------------------------------------------------------------------
class SigV4SuiteTest(unittest.TestCase):
    """Every case: canonical request, string to sign, Authorization header."""

    @classmethod
    def setUpClass(cls):
        path = find_suite()
        if path is None:
            raise unittest.SkipTest("sigv4-test-suite.json not found in %s" % SUITE_CANDIDATES)
        with open(path, encoding="utf-8") as f:
            cls.suite = json.load(f)

    def _prepare(self, case):
        method, target, headers, body = parse_raw_request(case["request"])
        names = {n.lower() for n, _ in headers}
        # get-vanilla-with-session-token: the token is added (and signed) by
        # the signer; it is in the .sreq but not in the .req.
        if "x-amz-security-token" not in names and case["name"] != "post-sts-header-after":
            for n, v in parse_raw_request(case["signed_request"])[2]:
                if n.lower() == "x-amz-security-token":
                    headers.append((n, v))
        return method, target, headers, body

    def test_all_cases(self):
        p = self.suite["_parameters"]
        cases = self.suite["cases"]
        self.assertEqual(len(cases), 34)
        for case in cases:
            with self.subTest(case=case["name"]):
                method, target, headers, body = self._prepare(case)
                signed = sorted({n.lower() for n, _ in headers})
                path, _, query = target.partition("?")
                creq = sigv4.canonical_request(method, path, query, headers, signed,
                                               hashlib.sha256(body.encode()).hexdigest())
                self.assertEqual(creq, case["canonical_request"])
                amz = p["amz_date"]
                scope = sigv4.credential_scope(amz[:8], p["region"], p["service"])
                sts = sigv4.string_to_sign(amz, scope, creq)
                self.assertEqual(sts, case["string_to_sign"])
                sig = sigv4.signature(p["secret_access_key"], amz[:8], p["region"],
                                      p["service"], sts)
                auth = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
                    sigv4.ALGORITHM, p["access_key_id"], scope, ";".join(signed), sig)
                self.assertEqual(auth, case["authorization"])

    def test_verifier_accepts_suite_requests_and_rejects_tampering(self):
        p = self.suite["_parameters"]
        now = sigv4._parse_amz_date(p["amz_date"])
        token = None

        def lookup(akid):
            return {"secret": p["secret_access_key"], "token": token} \
                if akid == p["access_key_id"] else None
        for case in self.suite["cases"]:
            with self.subTest(case=case["name"]):
                method, target, headers, body = parse_raw_request(case["signed_request"])
                # The .sreq of get-vanilla-with-session-token carries a bogus
                # signature (a known quirk of the suite): use the .authz value.
                headers = [(n, case["authorization"]) if n.lower() == "authorization"
                           else (n, v) for n, v in headers]
                hdrs = dict((n.lower(), v) for n, v in headers)
                token = hdrs.get("x-amz-security-token")
                sigv4.verify_request(method, target, headers, body.encode(), lookup, "service",
                                     now=now)
                tampered = [(n, v + "x") if n.lower() == "x-amz-date" else (n, v)
                            for n, v in headers]
                with self.assertRaises(sigv4.AuthError):
                    sigv4.verify_request(method, target, tampered, body.encode(), lookup,
                                         "service", now=now)
                with self.assertRaises(sigv4.AuthError) as cm:
                    sigv4.verify_request(method, target, headers, body.encode() + b"!", lookup,
                                         "service", now=now)
                self.assertEqual(cm.exception.kind, "bad_signature")


# ---------------------------------------------------------------------------
class Server:
    def __init__(self, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="fake_aws_test.")
        self.port_file = os.path.join(self.dir, "port")
        self.log_file = os.path.join(self.dir, "fake.log")
        self.proc = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--port-file",
                                      self.port_file, "--log", self.log_file] + list(extra_args))
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("fake_aws did not start (rc=%s)" % self.proc.poll())
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


class FakeTestCase(unittest.TestCase):
    region = "us-east-1"

    def setUp(self):
        self.port = SERVER.port
        self.url = SERVER.url
        self.control("POST", "/_fake/reset")
        self.control("POST", "/_fake/config", {"pcs_update_delay_s": 0.3})

    # ---- control API ------------------------------------------------------
    def control(self, method, path, body=None, expect=200):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, text = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read()
        self.assertEqual(status, expect, text)
        return json.loads(text)

    def calls(self, **query):
        return self.control("GET", "/_fake/calls?" + urllib.parse.urlencode(query))["calls"]

    def fault(self, **spec):
        return self.control("POST", "/_fake/faults", spec)["faults"][0]

    # ---- signed requests built by hand ------------------------------------
    def send(self, service, body, headers, akid=AKID, secret=SECRET, token=None,
             region=None, amz_date=None, sign=True):
        if isinstance(body, str):
            body = body.encode()
        headers = [("Host", "127.0.0.1:%d" % self.port)] + headers
        if sign:
            headers = sigv4.sign_request("POST", "/", "", headers, body, akid, secret,
                                         region or self.region, service, amz_date=amz_date,
                                         session_token=token)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        conn.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, hdrs, data

    def ec2(self, params, **kw):
        p = {"Version": "2016-11-15"}
        p.update(params)
        body = urllib.parse.urlencode(p)
        status, hdrs, data = self.send(
            "ec2", body, [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            **kw)
        return status, hdrs, data

    def ec2_xml(self, params, expect=200, **kw):
        status, _, data = self.ec2(params, **kw)
        self.assertEqual(status, expect, data)
        return ET.fromstring(data)

    def ec2_error(self, params, status, code, **kw):
        root = self.ec2_xml(params, expect=status, **kw)
        self.assertEqual(root.tag, "Response")
        self.assertEqual(root.findtext("Errors/Error/Code"), code)
        self.assertTrue(root.findtext("RequestID"))
        return root.findtext("Errors/Error/Message")

    def json_call(self, service, operation, obj, **kw):
        prefix, ctype = {"pcs": ("AWSParallelComputingService", "application/x-amz-json-1.0"),
                         "pricing": ("AWSPriceListService", "application/x-amz-json-1.1")}[service]
        headers = [("Content-Type", ctype), ("X-Amz-Target", "%s.%s" % (prefix, operation))]
        status, hdrs, data = self.send(service, json.dumps(obj), headers, **kw)
        return status, hdrs, data

    def pcs(self, operation, obj, expect=200, **kw):
        status, hdrs, data = self.json_call("pcs", operation, obj, **kw)
        self.assertEqual(status, expect, data)
        return json.loads(data), hdrs

    def pricing(self, obj, expect=200, **kw):
        status, hdrs, data = self.json_call("pricing", "GetProducts", obj, **kw)
        self.assertEqual(status, expect, data)
        return json.loads(data), hdrs

    # ---- helpers ------------------------------------------------------------
    def create_fleet(self, types, total, lifecycle="on-demand", token=None, extra=None,
                     expect=200):
        p = {"Action": "CreateFleet", "Type": "instant",
             "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName": "stratus",
             "LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version": "1",
             "TargetCapacitySpecification.TotalTargetCapacity": str(total),
             "TargetCapacitySpecification.DefaultTargetCapacityType": lifecycle,
             "OnDemandOptions.AllocationStrategy": "prioritized",
             "SpotOptions.AllocationStrategy": "capacity-optimized-prioritized",
             "TagSpecification.1.ResourceType": "instance",
             "TagSpecification.1.Tag.1.Key": "stratus:job",
             "TagSpecification.1.Tag.1.Value": "42",
             "TagSpecification.1.Tag.2.Key": "Name",
             "TagSpecification.1.Tag.2.Value": "node-1"}
        for i, t in enumerate(types, 1):
            p["LaunchTemplateConfigs.1.Overrides.%d.InstanceType" % i] = t
            p["LaunchTemplateConfigs.1.Overrides.%d.Priority" % i] = str(i)
            p["LaunchTemplateConfigs.1.Overrides.%d.SubnetId" % i] = "subnet-0aa%d" % i
        if token:
            p["ClientToken"] = token
        p.update(extra or {})
        return self.ec2_xml(p, expect=expect)

    @staticmethod
    def fleet_instances(root):
        out = []
        for item in root.findall(NS + "fleetInstanceSet/" + NS + "item"):
            itype = item.findtext(NS + "instanceType")
            for iid in item.findall(NS + "instanceIds/" + NS + "item"):
                out.append((iid.text, itype, item.findtext(NS + "lifecycle")))
        return out

    @staticmethod
    def fleet_errors(root):
        return [(i.findtext(NS + "launchTemplateAndOverrides/" + NS + "overrides/" + NS +
                            "instanceType"), i.findtext(NS + "errorCode"),
                 i.findtext(NS + "lifecycle"))
                for i in root.findall(NS + "errorSet/" + NS + "item")]

    def botocore_client(self, service, secret=SECRET, akid=AKID, token=None, region=None):
        if not HAVE_BOTOCORE:
            self.skipTest(BOTOCORE_SKIP)
        session = botocore.session.get_session()
        if service not in session.get_available_services():
            self.skipTest("this botocore (%s) does not know %s" % (botocore.__version__,
                                                                  service))
        cfg = botocore.config.Config(retries={"total_max_attempts": 1})
        return session.create_client(service, region_name=region or self.region,
                                     endpoint_url=self.url, aws_access_key_id=akid,
                                     aws_secret_access_key=secret, aws_session_token=token,
                                     config=cfg)

    def imds_get(self, path, token):
        headers = {} if token is None else {"X-aws-ec2-metadata-token": token}
        req = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def imds_token(self, ttl="21600", expect=200):
        req = urllib.request.Request(self.url + "/latest/api/token", method="PUT",
                                     headers={} if ttl is None else
                                     {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                self.assertEqual(resp.status, expect)
                self.assertEqual(resp.headers["X-aws-ec2-metadata-token-ttl-seconds"], ttl)
                return resp.read().decode()
        except urllib.error.HTTPError as err:
            self.assertEqual(err.code, expect)
            return None

    def curl(self, args):
        if shutil.which("curl") is None:
            self.skipTest("curl not installed")
        out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}"] + args,
                             capture_output=True, text=True, timeout=20)
        body, _, code = out.stdout.rpartition("\n")
        return int(code), body


# ---------------------------------------------------------------------------
class SignatureTest(FakeTestCase):
    def test_botocore_ec2_right_secret_accepted_wrong_refused(self):
        good = self.botocore_client("ec2")
        self.assertEqual(good.describe_instances()["Reservations"], [])
        bad = self.botocore_client("ec2", secret="not-the-secret")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.describe_instances()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "AuthFailure")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 401)
        unknown = self.botocore_client("ec2", akid="AKIDUNKNOWN")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            unknown.describe_instance_types(InstanceTypes=["c7g.large"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "AuthFailure")
        log = self.calls(service="ec2")
        self.assertEqual([c["signature_ok"] for c in log], [True, False, False])
        self.assertEqual(log[0]["access_key_id"], AKID)
        self.assertEqual(log[1]["auth_error"], "bad_signature")
        self.assertIn("server_canonical_request", log[1])
        self.assertEqual(log[2]["auth_error"], "unknown_key")

    def test_botocore_pcs_when_known(self):
        pcs = self.botocore_client("pcs")  # botocore >= 1.34.x knows PCS
        self.control("POST", "/_fake/node-groups", {"cluster": "demo",
                                                     "computeNodeGroups": [{"name": "ng-a"}]})
        ng = pcs.get_compute_node_group(clusterIdentifier="demo",
                                        computeNodeGroupIdentifier="ng-a")
        self.assertEqual(ng["computeNodeGroup"]["status"], "ACTIVE")
        bad = self.botocore_client("pcs", secret="wrong")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.get_compute_node_group(clusterIdentifier="demo",
                                       computeNodeGroupIdentifier="ng-a")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")

    def test_pcs_own_signer(self):
        self.control("POST", "/_fake/node-groups", {"cluster": "demo",
                                                     "computeNodeGroups": [{"name": "ng-a"}]})
        body, hdrs = self.pcs("GetComputeNodeGroup", {"clusterIdentifier": "demo",
                                                      "computeNodeGroupIdentifier": "ng-a"})
        self.assertEqual(body["computeNodeGroup"]["name"], "ng-a")
        self.assertEqual(hdrs["content-type"], "application/x-amz-json-1.0")
        self.assertTrue(hdrs["x-amzn-requestid"])
        body, hdrs = self.pcs("GetComputeNodeGroup", {"clusterIdentifier": "demo",
                                                      "computeNodeGroupIdentifier": "ng-a"},
                              expect=403, secret="wrong")
        self.assertEqual(body["__type"], "InvalidSignatureException")
        self.assertEqual(hdrs["x-amzn-errortype"], "InvalidSignatureException")
        body, _ = self.pcs("GetComputeNodeGroup", {}, expect=403, akid="AKIDNOBODY")
        self.assertEqual(body["__type"], "UnrecognizedClientException")
        # signed for the wrong service
        status, _, data = self.send("ec2", "{}", [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "AWSParallelComputingService.GetComputeNodeGroup")])
        self.assertEqual(status, 403)
        self.assertIn("scoped to correct service", json.loads(data)["message"])
        # unsigned
        status, _, data = self.send("pcs", "{}", [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "AWSParallelComputingService.GetComputeNodeGroup")], sign=False)
        self.assertEqual((status, json.loads(data)["__type"]),
                         (403, "MissingAuthenticationTokenException"))

    def test_pcs_with_curl_aws_sigv4(self):
        self.control("POST", "/_fake/node-groups", {"cluster": "demo",
                                                     "computeNodeGroups": [{"name": "ng-a"}]})
        args = ["--aws-sigv4", "aws:amz:us-east-1:pcs",
                "-H", "X-Amz-Target: AWSParallelComputingService.GetComputeNodeGroup",
                "-H", "Content-Type: application/x-amz-json-1.0",
                "-d", '{"clusterIdentifier":"demo","computeNodeGroupIdentifier":"ng-a"}',
                self.url + "/"]
        code, body = self.curl(["--user", "%s:%s" % (AKID, SECRET)] + args)
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["computeNodeGroup"]["status"], "ACTIVE")
        code, body = self.curl(["--user", "%s:wrong-secret" % AKID] + args)
        self.assertEqual(code, 403)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        calls = self.calls(service="pcs")
        self.assertEqual([c["signature_ok"] for c in calls], [True, False])

    def test_ec2_and_pricing_with_curl(self):
        code, body = self.curl(["--aws-sigv4", "aws:amz:us-east-1:ec2", "--user",
                                "%s:%s" % (AKID, SECRET), "-d",
                                "Action=DescribeInstanceTypes&Version=2016-11-15&"
                                "InstanceType.1=hpc7g.16xlarge", self.url + "/"])
        self.assertEqual(code, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(root.findtext(".//%sinstanceTypeSet/%sitem/%svCpuInfo/%sdefaultVCpus"
                                       % (NS, NS, NS, NS)), "64")
        code, body = self.curl(["--aws-sigv4", "aws:amz:us-east-1:pricing", "--user",
                                "%s:%s" % (AKID, SECRET),
                                "-H", "X-Amz-Target: AWSPriceListService.GetProducts",
                                "-H", "Content-Type: application/x-amz-json-1.1", "-d",
                                '{"ServiceCode":"AmazonEC2","Filters":[{"Type":"TERM_MATCH",'
                                '"Field":"instanceType","Value":"c7g.large"}]}', self.url + "/"])
        self.assertEqual(code, 200, body)
        self.assertEqual(len(json.loads(body)["PriceList"]), 1)

    def test_reencoded_form_verification(self):
        # A space as %20 (RFC 3986) is accepted as sent, refused where the
        # form is encoded again before the check (moto); as '+' both ways.
        rfc3986 = ("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName"
                   "&Filter.1.Value.1=a%20b")
        plus = rfc3986.replace("%20", "+")
        ctype = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        self.assertEqual(self.send("ec2", rfc3986, ctype)[0], 200)
        self.control("POST", "/_fake/config", {"verify_reencoded_form": True})
        status, _, data = self.send("ec2", rfc3986, ctype)
        self.assertEqual(status, 401, data)
        self.assertEqual(self.calls(service="ec2")[-1]["auth_error"], "bad_signature")
        self.assertEqual(self.send("ec2", plus, ctype)[0], 200)

    def test_reencoded_form_is_botocores_encoding(self):
        # The values tests/unit/aws/test_query.cpp (botocore_bodies) encodes.
        if not HAVE_BOTOCORE:
            self.skipTest(BOTOCORE_SKIP)
        import botocore.awsrequest
        import botocore.serialize
        from fake_common import reencode_form
        values = ["a b", "a+b", "a/b", "k=v&x", "AZaz09-_.~", "*!'()", "caf\u00e9", "\u20ac5",
                  "$Latest", "", "tab\there", "%20", "~`@#^[]{}|\\:;\"<>,?", "\U0001F680",
                  "a\0b"]
        tags = [{"Key": "k %d" % i, "Value": v} for i, v in enumerate(values)]
        model = botocore.session.get_session().get_service_model("ec2")
        serializer = botocore.serialize.create_serializer(model.metadata["protocol"])
        request = serializer.serialize_to_request({"Resources": ["i-1"], "Tags": tags},
                                                  model.operation_model("CreateTags"))
        body = botocore.awsrequest.AWSRequest(method="POST", url=self.url + "/",
                                              data=request["body"]).prepare().body
        body = body.encode() if isinstance(body, str) else body
        self.assertEqual(reencode_form(body), body)
        self.assertEqual(body, urllib.parse.urlencode(list(request["body"].items())).encode())
        # And botocore's own requests pass the re-encoding check (no NUL:
        # XML cannot carry it back).
        self.control("POST", "/_fake/config", {"verify_reencoded_form": True})
        ec2 = self.botocore_client("ec2")
        root = self.create_fleet(["c7g.large"], 1)
        iid = self.fleet_instances(root)[0][0]
        tags = [t for t in tags if "\0" not in t["Value"]]
        ec2.create_tags(Resources=[iid], Tags=tags)
        got = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["Tags"]
        self.assertEqual({t["Key"]: t["Value"] for t in got if t["Key"].startswith("k ")},
                         {t["Key"]: t["Value"] for t in tags})

    def test_clock_skew(self):
        old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 600))
        msg = self.ec2_error({"Action": "DescribeInstances"}, 400, "RequestExpired",
                             amz_date=old)
        self.assertEqual(msg, "Request has expired.")
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "x"}, expect=403,
                           amz_date=old)
        self.assertEqual(body["__type"], "InvalidSignatureException")
        self.assertTrue(body["message"].startswith("Signature expired: %s is now earlier than"
                                                   % old), body)
        future = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 600))
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "x"}, expect=403,
                           amz_date=future)
        self.assertIn("Signature not yet current", body["message"])
        # within 5 minutes: fine
        near = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 200))
        self.ec2_xml({"Action": "DescribeInstances"}, amz_date=near)

    def test_pricing_scope_region(self):
        body, _ = self.pricing({"ServiceCode": "AmazonEC2"}, expect=403, region="us-west-2")
        self.assertEqual(body["__type"], "InvalidSignatureException")
        self.assertIn("valid region", body["message"])


# ---------------------------------------------------------------------------
class ImdsTest(FakeTestCase):
    def test_token_required_and_ttl_checked(self):
        status, _ = self.imds_get("/latest/meta-data/instance-id", None)
        self.assertEqual(status, 401)
        self.imds_token(None, expect=400)
        self.imds_token("0", expect=400)
        self.imds_token("21601", expect=400)
        self.imds_token("abc", expect=400)
        token = self.imds_token("21600")
        self.assertEqual(self.imds_get("/latest/meta-data/instance-id", token),
                         (200, "i-0fa4e000000000001"))
        self.assertEqual(self.imds_get("/latest/meta-data/instance-id", "forged")[0], 401)
        self.assertEqual(self.imds_get("/latest/meta-data/placement/region", token),
                         (200, "us-east-1"))
        short = self.imds_token("1")
        self.assertEqual(self.imds_get("/latest/meta-data/instance-type", short)[0], 200)
        time.sleep(1.1)
        self.assertEqual(self.imds_get("/latest/meta-data/instance-type", short)[0], 401)

    def test_metadata_and_configuration(self):
        self.control("POST", "/_fake/imds", {"instance_id": "i-0123456789abcdef0",
                                             "instance_type": "hpc7g.16xlarge",
                                             "availability_zone": "us-east-2b",
                                             "local_ipv4": "10.1.2.3",
                                             "instance_life_cycle": "spot"})
        t = self.imds_token()
        get = lambda p: self.imds_get("/latest/" + p, t)  # noqa: E731
        self.assertEqual(get("meta-data/instance-type"), (200, "hpc7g.16xlarge"))
        self.assertEqual(get("meta-data/placement/availability-zone"), (200, "us-east-2b"))
        self.assertEqual(get("meta-data/placement/region"), (200, "us-east-2"))
        self.assertEqual(get("meta-data/local-ipv4"), (200, "10.1.2.3"))
        self.assertEqual(get("meta-data/local-hostname"),
                         (200, "ip-10-1-2-3.us-east-2.compute.internal"))
        self.assertEqual(get("meta-data/instance-life-cycle"), (200, "spot"))
        status, doc = get("dynamic/instance-identity/document")
        doc = json.loads(doc)
        self.assertEqual((doc["instanceId"], doc["region"], doc["privateIp"], doc["accountId"]),
                         ("i-0123456789abcdef0", "us-east-2", "10.1.2.3", "123456789012"))
        self.assertEqual(get("meta-data/spot/instance-action")[0], 404)
        self.control("POST", "/_fake/imds", {"spot_action": {"action": "terminate",
                                                             "time": "2026-11-28T08:00:00Z"}})
        status, text = get("meta-data/spot/instance-action")
        self.assertEqual((status, json.loads(text)["action"]), (200, "terminate"))
        self.assertEqual(get("meta-data/iam/security-credentials/"),
                         (200, "stratus-fake-role"))
        self.control("POST", "/_fake/imds", {"role_name": None})
        self.assertEqual(get("meta-data/iam/security-credentials/")[0], 404)
        self.assertEqual(get("meta-data/no-such-thing")[0], 404)

    def test_role_credentials_work_for_sigv4_until_expiry(self):
        self.control("POST", "/_fake/imds", {"credential_ttl_s": 2,
                                             "credential_refresh_margin_s": 0})
        t = self.imds_token()
        status, text = self.imds_get("/latest/meta-data/iam/security-credentials/"
                                     "stratus-fake-role", t)
        self.assertEqual(status, 200)
        cred = json.loads(text)
        self.assertEqual(set(cred), {"Code", "LastUpdated", "Type", "AccessKeyId",
                                     "SecretAccessKey", "Token", "Expiration"})
        self.assertEqual((cred["Code"], cred["Type"]), ("Success", "AWS-HMAC"))
        self.assertTrue(cred["AccessKeyId"].startswith("ASIA"))
        kw = dict(akid=cred["AccessKeyId"], secret=cred["SecretAccessKey"])
        self.ec2_xml({"Action": "DescribeInstances"}, token=cred["Token"], **kw)
        self.pricing({"ServiceCode": "AmazonEC2", "MaxResults": 1}, token=cred["Token"], **kw)
        # the token is required with temporary keys, and must be the right one
        self.ec2_error({"Action": "DescribeInstances"}, 401, "AuthFailure", **kw)
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "x"}, expect=403,
                           token="wrong", **kw)
        self.assertEqual(body["__type"], "UnrecognizedClientException")
        # the same credentials are handed out until they expire ...
        again = json.loads(self.imds_get("/latest/meta-data/iam/security-credentials/"
                                         "stratus-fake-role", t)[1])
        self.assertEqual(again["AccessKeyId"], cred["AccessKeyId"])
        # ... then they are refused, and IMDS hands out new ones
        time.sleep(2.1)
        self.ec2_error({"Action": "DescribeInstances"}, 400, "RequestExpired",
                       token=cred["Token"], **kw)
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "x"}, expect=403,
                           token=cred["Token"], **kw)
        self.assertEqual(body["__type"], "ExpiredTokenException")
        new = json.loads(self.imds_get("/latest/meta-data/iam/security-credentials/"
                                       "stratus-fake-role", t)[1])
        self.assertNotEqual(new["AccessKeyId"], cred["AccessKeyId"])
        self.ec2_xml({"Action": "DescribeInstances"}, akid=new["AccessKeyId"],
                     secret=new["SecretAccessKey"], token=new["Token"])

    def test_botocore_credential_chain_through_imds(self):
        """botocore's own IMDSv2 provider (PUT token, role, credentials)
        against the fake, then a signed EC2 call with those credentials."""
        self.botocore_client("ec2")
        script = ("import botocore.session\n"
                  "s = botocore.session.get_session()\n"
                  "c = s.create_client('ec2', region_name='us-east-1', endpoint_url=%r)\n"
                  "print(len(c.describe_instances()['Reservations']))\n" % self.url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=self.url + "/",
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "0")
        imds = [(c["method"], c["operation"], c["status"]) for c in self.calls(service="imds")]
        self.assertIn(("PUT", "token", 200), imds)
        self.assertIn(("GET", "meta-data/iam/security-credentials/stratus-fake-role", 200), imds)
        (call,) = self.calls(service="ec2")
        self.assertTrue(call["access_key_id"].startswith("ASIA"))
        self.assertTrue(call["session_token"] and call["signature_ok"])

    def test_botocore_with_session_token(self):
        self.botocore_client("ec2")
        t = self.imds_token()
        cred = json.loads(self.imds_get("/latest/meta-data/iam/security-credentials/"
                                        "stratus-fake-role", t)[1])
        c = self.botocore_client("ec2", akid=cred["AccessKeyId"], secret=cred["SecretAccessKey"],
                                 token=cred["Token"])
        self.assertEqual(c.describe_instances()["Reservations"], [])
        self.control("POST", "/_fake/imds", {"expire_credentials_now": True})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            c.describe_instances()
        self.assertEqual(cm.exception.response["Error"]["Code"], "RequestExpired")


# ---------------------------------------------------------------------------
class Ec2Test(FakeTestCase):
    def test_create_fleet_describe_terminate(self):
        root = self.create_fleet(["c7g.large", "c7g.xlarge"], 3)
        self.assertEqual(root.tag, NS + "CreateFleetResponse")
        self.assertTrue(root.findtext(NS + "requestId"))
        self.assertTrue(root.findtext(NS + "fleetId").startswith("fleet-"))
        insts = self.fleet_instances(root)
        self.assertEqual([t for _, t, _ in insts], ["c7g.large"] * 3)
        self.assertEqual({lc for _, _, lc in insts}, {"on-demand"})
        item = root.find(NS + "fleetInstanceSet/" + NS + "item")
        self.assertEqual(item.findtext(NS + "launchTemplateAndOverrides/" + NS +
                                       "launchTemplateSpecification/" + NS +
                                       "launchTemplateName"), "stratus")
        self.assertEqual(item.findtext(NS + "launchTemplateAndOverrides/" + NS + "overrides/" +
                                       NS + "subnetId"), "subnet-0aa1")
        ids = [i for i, _, _ in insts]
        root = self.ec2_xml({"Action": "DescribeInstances",
                             "Filter.1.Name": "tag:stratus:job", "Filter.1.Value.1": "42",
                             "Filter.2.Name": "instance-state-name",
                             "Filter.2.Value.1": "pending", "Filter.2.Value.2": "running"})
        got = root.findall(".//%sinstancesSet/%sitem" % (NS, NS))
        self.assertEqual(sorted(i.findtext(NS + "instanceId") for i in got), sorted(ids))
        first = got[0]
        self.assertEqual(first.findtext(NS + "instanceState/" + NS + "name"), "running")
        self.assertEqual(first.findtext(NS + "instanceState/" + NS + "code"), "16")
        self.assertTrue(first.findtext(NS + "privateIpAddress").startswith("10."))
        self.assertTrue(first.findtext(NS + "privateDnsName").endswith(".ec2.internal"))
        self.assertEqual(first.findtext(NS + "placement/" + NS + "availabilityZone"),
                         "us-east-1a")
        self.assertTrue(first.findtext(NS + "launchTime").endswith("Z"))
        tags = {t.findtext(NS + "key"): t.findtext(NS + "value")
                for t in first.findall(NS + "tagSet/" + NS + "item")}
        self.assertEqual(tags["stratus:job"], "42")
        self.assertEqual(tags["Name"], "node-1")
        root = self.ec2_xml({"Action": "TerminateInstances", "InstanceId.1": ids[0]})
        it = root.find(NS + "instancesSet/" + NS + "item")
        self.assertEqual(it.findtext(NS + "currentState/" + NS + "name"), "shutting-down")
        self.assertEqual(it.findtext(NS + "currentState/" + NS + "code"), "32")
        self.assertEqual(it.findtext(NS + "previousState/" + NS + "name"), "running")
        root = self.ec2_xml({"Action": "CreateTags", "ResourceId.1": ids[1],
                             "Tag.1.Key": "slurm:node", "Tag.1.Value": "c7g-1"})
        self.assertEqual(root.findtext(NS + "return"), "true")
        state = self.control("GET", "/_fake/state")
        by_id = {i["instance_id"]: i for i in state["instances"]}
        self.assertEqual(by_id[ids[0]]["state"], "terminated")
        self.assertEqual(by_id[ids[1]]["tags"]["slurm:node"], "c7g-1")
        self.ec2_error({"Action": "TerminateInstances", "InstanceId.1": "i-0123456789abcdef9"},
                       400, "InvalidInstanceID.NotFound")
        self.ec2_error({"Action": "DescribeInstances", "InstanceId.1": "bogus"}, 400,
                       "InvalidInstanceID.Malformed")

    def test_spot_lifecycle_and_priority(self):
        root = self.create_fleet(["c7g.xlarge", "c7g.large"], 2, lifecycle="spot")
        insts = self.fleet_instances(root)
        self.assertEqual([(t, lc) for _, t, lc in insts], [("c7g.xlarge", "spot")] * 2)
        root = self.ec2_xml({"Action": "DescribeInstances", "InstanceId.1": insts[0][0]})
        self.assertEqual(root.findtext(".//%sinstanceLifecycle" % NS), "spot")

    def test_capacity_error_in_error_set(self):
        self.fault(operation="CreateFleet", kind="capacity", instance_types=["c7g.large"])
        root = self.create_fleet(["c7g.large", "c7g.xlarge"], 2)
        self.assertEqual(self.fleet_errors(root),
                         [("c7g.large", "InsufficientInstanceCapacity", "on-demand")])
        msg = root.findtext(".//%serrorMessage" % NS)
        self.assertIn("do not have sufficient c7g.large capacity", msg)
        self.assertEqual([t for _, t, _ in self.fleet_instances(root)], ["c7g.xlarge"] * 2)
        # count=1: the next call is not affected
        root = self.create_fleet(["c7g.large"], 1)
        self.assertEqual(self.fleet_errors(root), [])
        # nothing launches at all: still HTTP 200, errorSet only
        self.fault(operation="CreateFleet", kind="capacity", count=-1,
                   error_code="InsufficientInstanceCapacity")
        root = self.create_fleet(["c7g.large", "c7g.xlarge"], 2, lifecycle="spot")
        self.assertEqual(self.fleet_instances(root), [])
        self.assertIsNone(root.find(NS + "fleetInstanceSet"))
        self.assertEqual([e[1] for e in self.fleet_errors(root)],
                         ["InsufficientInstanceCapacity"] * 2)
        self.assertIn("no Spot capacity", root.findtext(".//%serrorMessage" % NS))
        root = self.create_fleet(["c7g.large"], 1)
        self.assertEqual(len(self.fleet_errors(root)), 1)
        self.control("DELETE", "/_fake/faults")
        self.fault(operation="CreateFleet", kind="capacity", error_code="VcpuLimitExceeded")
        root = self.create_fleet(["c7g.large"], 1)
        self.assertEqual(self.fleet_errors(root), [("c7g.large", "VcpuLimitExceeded",
                                                    "on-demand")])

    def test_partial_launch(self):
        self.fault(operation="CreateFleet", kind="partial", launch_count=2)
        root = self.create_fleet(["c7g.large", "c7g.xlarge"], 5)
        self.assertEqual(len(self.fleet_instances(root)), 2)
        errs = self.fleet_errors(root)
        self.assertTrue(errs)
        self.assertEqual({e[1] for e in errs}, {"InsufficientInstanceCapacity"})
        self.assertEqual(len(self.control("GET", "/_fake/state")["instances"]), 2)

    def test_client_token_idempotency(self):
        first = self.create_fleet(["c7g.large"], 2, token="stratus-job42-try1")
        again = self.create_fleet(["c7g.large"], 2, token="stratus-job42-try1")
        self.assertEqual(first.findtext(NS + "fleetId"), again.findtext(NS + "fleetId"))
        self.assertEqual(self.fleet_instances(first), self.fleet_instances(again))
        self.assertEqual(len(self.control("GET", "/_fake/state")["instances"]), 2)
        status, _, data = self.ec2({
            "Action": "CreateFleet", "Type": "instant", "ClientToken": "stratus-job42-try1",
            "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName": "stratus",
            "LaunchTemplateConfigs.1.Overrides.1.InstanceType": "c7g.large",
            "TargetCapacitySpecification.TotalTargetCapacity": "3"})
        self.assertEqual(status, 400)
        self.assertIn(b"IdempotentParameterMismatch", data)
        other = self.create_fleet(["c7g.large"], 2, token="stratus-job42-try2")
        self.assertNotEqual(first.findtext(NS + "fleetId"), other.findtext(NS + "fleetId"))
        self.assertEqual(len(self.control("GET", "/_fake/state")["instances"]), 4)

    def test_request_validation(self):
        self.ec2_error({"Action": "DescribeInstances", "Filters.1.Name": "x"}, 400,
                       "UnknownParameter")
        self.ec2_error({"Action": "DescribeInstances", "Filter.1.Name": "bogus-filter",
                        "Filter.1.Value.1": "x"}, 400, "InvalidParameterValue")
        self.ec2_error({"Action": "CreateFleet", "Type": "instant"}, 400, "MissingParameter")
        self.ec2_error({"Action": "RebootInstances"}, 400, "InvalidAction")
        self.ec2_error({"Action": "DescribeInstances", "MaxResults": "many"}, 400,
                       "InvalidParameterValue")
        self.ec2_error({"Action": "DescribeInstances", "DryRun": "true"}, 412,
                       "DryRunOperation")
        self.ec2_error({"Action": "CreateTags", "ResourceId.1": "i-0123456789abcdef0",
                        "Tag.1.Key": "aws:reserved"}, 400, "InvalidParameterValue")
        self.ec2_error({"Action": "DescribeInstanceTypes", "InstanceType.1": "c99.huge"}, 400,
                       "InvalidInstanceType")

    def test_pending_to_running_delay(self):
        self.control("POST", "/_fake/config", {"pending_to_running_s": 0.4})
        iid = self.fleet_instances(self.create_fleet(["c7g.large"], 1))[0][0]
        state = lambda: self.ec2_xml({"Action": "DescribeInstances", "InstanceId.1": iid}) \
            .findtext(".//%sinstanceState/%sname" % (NS, NS))  # noqa: E731
        self.assertEqual(state(), "pending")
        time.sleep(0.6)
        self.assertEqual(state(), "running")

    def test_describe_instances_pagination(self):
        self.create_fleet(["c7g.large"], 4)
        self.create_fleet(["m7g.large"], 3)
        root = self.ec2_xml({"Action": "DescribeInstances", "MaxResults": "5"})
        page1 = [e.text for e in root.iter(NS + "instanceId")]
        token = root.findtext(NS + "nextToken")
        self.assertEqual(len(page1), 5)
        self.assertTrue(token)
        root = self.ec2_xml({"Action": "DescribeInstances", "MaxResults": "5",
                             "NextToken": token})
        page2 = [e.text for e in root.iter(NS + "instanceId")]
        self.assertEqual(len(page2), 2)
        self.assertIsNone(root.findtext(NS + "nextToken"))
        self.assertEqual(len(set(page1 + page2)), 7)
        # two reservations (one per fleet) split across the pages
        self.assertEqual(len(root.findall(NS + "reservationSet/" + NS + "item")), 1)
        self.ec2_error({"Action": "DescribeInstances", "MaxResults": "5", "NextToken": "junk"},
                       400, "InvalidPaginationToken")
        self.ec2_error({"Action": "DescribeInstances", "MaxResults": "2"}, 400,
                       "InvalidParameterValue")
        if HAVE_BOTOCORE:
            c = self.botocore_client("ec2")
            pages = list(c.get_paginator("describe_instances").paginate(
                PaginationConfig={"PageSize": 5}))
            self.assertEqual(sum(len(r["Instances"]) for p in pages for r in p["Reservations"]),
                             7)

    def test_describe_instance_types_pagination(self):
        root = self.ec2_xml({"Action": "DescribeInstanceTypes"})
        self.assertEqual(len(root.findall(NS + "instanceTypeSet/" + NS + "item")), 100)
        root2 = self.ec2_xml({"Action": "DescribeInstanceTypes",
                              "NextToken": root.findtext(NS + "nextToken")})
        self.assertEqual(len(root2.findall(NS + "instanceTypeSet/" + NS + "item")), 52)
        root = self.ec2_xml({"Action": "DescribeInstanceTypes",
                             "Filter.1.Name": "instance-type", "Filter.1.Value.1": "p5*",
                             "Filter.2.Name": "network-info.efa-supported",
                             "Filter.2.Value.1": "true"})
        items = {i.findtext(NS + "instanceType"): i
                 for i in root.findall(NS + "instanceTypeSet/" + NS + "item")}
        self.assertIn("p5.48xlarge", items)
        p5 = items["p5.48xlarge"]
        self.assertEqual(p5.findtext(NS + "gpuInfo/" + NS + "gpus/" + NS + "item/" + NS +
                                     "count"), "8")
        self.assertEqual(p5.findtext(NS + "memoryInfo/" + NS + "sizeInMiB"), "2097152")
        self.assertEqual(p5.findtext(NS + "processorInfo/" + NS + "supportedArchitectures/" +
                                     NS + "item"), "x86_64")
        if HAVE_BOTOCORE:
            c = self.botocore_client("ec2")
            names = [t["InstanceType"] for p in c.get_paginator("describe_instance_types")
                     .paginate(PaginationConfig={"PageSize": 40}) for t in p["InstanceTypes"]]
            self.assertEqual(len(names), 152)
            self.assertEqual(len(set(names)), 152)

    def test_spot_price_history_only_seeded(self):
        root = self.ec2_xml({"Action": "DescribeSpotPriceHistory", "InstanceType.1": "c7g.large"})
        self.assertEqual(root.findall(NS + "spotPriceHistorySet/" + NS + "item"), [])
        self.control("POST", "/_fake/spot-prices", {"prices": [
            {"instance_type": "c7g.large", "availability_zone": "us-east-1a", "price": "0.0301",
             "timestamp": "2026-11-28T05:00:00Z"},
            {"instance_type": "c7g.large", "availability_zone": "us-east-1b", "price": 0.0299},
            {"instance_type": "c7g.large", "availability_zone": "us-west-2a", "price": "0.02"}]})
        root = self.ec2_xml({"Action": "DescribeSpotPriceHistory", "InstanceType.1": "c7g.large",
                             "ProductDescription.1": "Linux/UNIX"})
        items = root.findall(NS + "spotPriceHistorySet/" + NS + "item")
        self.assertEqual([(i.findtext(NS + "availabilityZone"), i.findtext(NS + "spotPrice"))
                          for i in items], [("us-east-1b", "0.029900"), ("us-east-1a", "0.0301")])
        if HAVE_BOTOCORE:
            c = self.botocore_client("ec2", region="us-west-2")
            r = c.describe_spot_price_history(InstanceTypes=["c7g.large"])
            self.assertEqual([p["SpotPrice"] for p in r["SpotPriceHistory"]], ["0.02"])

    def test_zones_subnets_and_offerings(self):
        # Offerings from data/ec2-prices-by-region.csv: hpc7g in us-east-1 is in use1-az6 only.
        root = self.ec2_xml({"Action": "DescribeInstanceTypeOfferings", "LocationType": "availability-zone-id",
                             "Filter.1.Name": "instance-type", "Filter.1.Value.1": "hpc7g.16xlarge"})
        self.assertEqual([i.findtext(NS + "location") for i in
                          root.findall(NS + "instanceTypeOfferingSet/" + NS + "item")], ["use1-az6"])
        root = self.ec2_xml({"Action": "DescribeInstanceTypeOfferings", "LocationType": "availability-zone",
                             "Filter.1.Name": "instance-type", "Filter.1.Value.1": "hpc7g.16xlarge"})
        self.assertEqual(root.findtext(".//%slocation" % NS), "us-east-1f")
        # Pages of MaxResults, the token bound to the query.
        q = {"Action": "DescribeInstanceTypeOfferings", "LocationType": "availability-zone-id",
             "Filter.1.Name": "instance-type", "Filter.1.Value.1": "c7g.*", "MaxResults": "5"}
        seen, token = [], None
        while True:
            root = self.ec2_xml(dict(q, NextToken=token) if token else q)
            seen += [i.findtext(NS + "location") for i in root.findall(NS + "instanceTypeOfferingSet/" + NS + "item")]
            token = root.findtext(NS + "nextToken")
            if not token:
                break
        self.assertGreater(len(seen), 5)
        self.assertNotIn("use1-az3", seen)
        self.ec2_error(dict(q, NextToken="bogus"), 400, "InvalidPaginationToken")
        # Subnets: zone name and ID; CreateFleet refuses a type the subnet's zone lacks.
        self.control("POST", "/_fake/config", {"subnets": {"subnet-1": "us-east-1c", "subnet-2": "us-east-1f"}})
        root = self.ec2_xml({"Action": "DescribeSubnets", "SubnetId.1": "subnet-1", "SubnetId.2": "subnet-2"})
        self.assertEqual([(i.findtext(NS + "availabilityZone"), i.findtext(NS + "availabilityZoneId"))
                          for i in root.findall(NS + "subnetSet/" + NS + "item")],
                         [("us-east-1c", "use1-az3"), ("us-east-1f", "use1-az6")])
        self.ec2_error({"Action": "DescribeSubnets", "SubnetId.1": "subnet-nope"}, 400, "InvalidSubnetID.NotFound")
        fleet = {"Action": "CreateFleet", "Type": "instant",
                 "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName": "t",
                 "LaunchTemplateConfigs.1.Overrides.1.InstanceType": "hpc7g.16xlarge",
                 "LaunchTemplateConfigs.1.Overrides.1.SubnetId": "subnet-1",
                 "TargetCapacitySpecification.TotalTargetCapacity": "1",
                 "TargetCapacitySpecification.DefaultTargetCapacityType": "on-demand"}
        root = self.ec2_xml(fleet)
        self.assertEqual(root.findtext(".//%serrorCode" % NS), "Unsupported")
        self.assertEqual(root.findall(".//%sinstanceIds/%sitem" % (NS, NS)), [])
        root = self.ec2_xml(dict(fleet, **{"LaunchTemplateConfigs.1.Overrides.1.SubnetId": "subnet-2"}))
        self.assertEqual(len(root.findall(".//%sinstanceIds/%sitem" % (NS, NS))), 1)

    def test_on_launch_and_on_terminate_hooks(self):
        out = tempfile.mkdtemp(prefix="fake_aws_hook.")
        self.addCleanup(shutil.rmtree, out, True)
        script = os.path.join(out, "hook.py")
        with open(script, "w") as f:
            f.write("import json, os, sys\n"
                    "env = {k: v for k, v in os.environ.items() if k.startswith('FAKE_')}\n"
                    "name = env['FAKE_EVENT'] + '-' + env['FAKE_INSTANCE_ID']\n"
                    "open(os.path.join(sys.argv[1], name), 'w').write(json.dumps(env))\n")
        cmd = "%s %s '%s'" % (sys.executable, script, out)
        self.control("POST", "/_fake/config", {"on_launch": cmd, "on_terminate": cmd,
                                               "pending_to_running_s": 0.2})
        iid = self.fleet_instances(self.create_fleet(["c7g.large"], 1))[0][0]
        path = os.path.join(out, "launch-" + iid)
        deadline = time.time() + 5
        while not os.path.exists(path) and time.time() < deadline:
            time.sleep(0.05)
        with open(path) as f:
            env = json.load(f)
        self.assertEqual(env["FAKE_INSTANCE_TYPE"], "c7g.large")
        self.assertTrue(env["FAKE_PRIVATE_IP"].startswith("10."))
        self.assertEqual(env["FAKE_TAG_stratus_job"], "42")
        self.assertEqual(env["FAKE_TAG_Name"], "node-1")
        self.ec2_xml({"Action": "TerminateInstances", "InstanceId.1": iid})
        path = os.path.join(out, "terminate-" + iid)
        deadline = time.time() + 5
        while not os.path.exists(path) and time.time() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(path))
        hooks = self.control("GET", "/_fake/state")["hooks"]
        self.assertEqual([h["event"] for h in hooks], ["launch", "terminate"])

    def test_external_termination_via_control(self):
        iid = self.fleet_instances(self.create_fleet(["c7g.large"], 1, lifecycle="spot"))[0][0]
        self.control("POST", "/_fake/instances/state", {"instance_ids": [iid],
                                                        "state": "terminated"})
        root = self.ec2_xml({"Action": "DescribeInstances", "InstanceId.1": iid})
        self.assertEqual(root.findtext(".//%sinstanceState/%sname" % (NS, NS)), "terminated")
        self.assertEqual(root.findtext(".//%sstateReason/%scode" % (NS, NS)),
                         "Server.SpotInstanceTermination")


# ---------------------------------------------------------------------------
class PcsTest(FakeTestCase):
    def seed(self, names=("ng-a", "ng-b", "ng-c")):
        return self.control("POST", "/_fake/node-groups", {
            "cluster": "demo", "computeNodeGroups": [
                {"name": n, "scalingConfiguration": {"minInstanceCount": 0,
                                                     "maxInstanceCount": 4},
                 "instanceConfigs": [{"instanceType": "hpc7g.16xlarge"}]} for n in names]})

    def test_get_list_pagination(self):
        seeded = self.seed()
        ng_id = seeded["computeNodeGroups"][1]["id"]
        body, _ = self.pcs("GetComputeNodeGroup", {"clusterIdentifier": seeded["cluster"]["id"],
                                                   "computeNodeGroupIdentifier": ng_id})
        ng = body["computeNodeGroup"]
        self.assertEqual(ng["name"], "ng-b")
        for field in ("name", "id", "arn", "clusterId", "createdAt", "modifiedAt", "status",
                      "subnetIds", "customLaunchTemplate", "iamInstanceProfileArn",
                      "scalingConfiguration", "instanceConfigs"):
            self.assertIn(field, ng)
        self.assertRegex(ng["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "demo",
                                                     "maxResults": 2})
        self.assertEqual([g["name"] for g in body["computeNodeGroups"]], ["ng-a", "ng-b"])
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "demo",
                                                     "maxResults": 2,
                                                     "nextToken": body["nextToken"]})
        self.assertEqual([g["name"] for g in body["computeNodeGroups"]], ["ng-c"])
        self.assertNotIn("nextToken", body)
        body, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "demo",
                                                     "maxResults": 0}, expect=400)
        self.assertEqual(body["__type"], "ValidationException")
        body, _ = self.pcs("GetComputeNodeGroup", {"clusterIdentifier": "demo",
                                                   "computeNodeGroupIdentifier": "nope"},
                           expect=404)
        self.assertEqual((body["__type"], body["resourceId"], body["resourceType"]),
                         ("ResourceNotFoundException", "nope", "computeNodeGroup"))
        # other region: not there
        self.pcs("GetComputeNodeGroup", {"clusterIdentifier": "demo",
                                         "computeNodeGroupIdentifier": "ng-a"},
                 expect=404, region="us-west-2")

    def test_update_conflict_then_active(self):
        self.seed(("ng-a",))
        req = {"clusterIdentifier": "demo", "computeNodeGroupIdentifier": "ng-a",
               "scalingConfiguration": {"minInstanceCount": 1, "maxInstanceCount": 8},
               "clientToken": "stratus-update-0001"}
        body, _ = self.pcs("UpdateComputeNodeGroup", req)
        self.assertEqual(body["computeNodeGroup"]["status"], "UPDATING")
        self.assertEqual(body["computeNodeGroup"]["scalingConfiguration"]["maxInstanceCount"], 8)
        # same clientToken, same request: the same answer, no conflict
        replay, _ = self.pcs("UpdateComputeNodeGroup", req)
        self.assertEqual(replay, body)
        other = dict(req, clientToken="stratus-update-0002",
                     scalingConfiguration={"minInstanceCount": 0, "maxInstanceCount": 2})
        err, _ = self.pcs("UpdateComputeNodeGroup", other, expect=409)
        self.assertEqual(err["__type"], "ConflictException")
        self.assertEqual(err["resourceType"], "computeNodeGroup")
        self.assertEqual(err["resourceId"], body["computeNodeGroup"]["id"])
        time.sleep(0.45)
        body, _ = self.pcs("GetComputeNodeGroup", {"clusterIdentifier": "demo",
                                                   "computeNodeGroupIdentifier": "ng-a"})
        self.assertEqual(body["computeNodeGroup"]["status"], "ACTIVE")
        body, _ = self.pcs("UpdateComputeNodeGroup", other)
        self.assertEqual(body["computeNodeGroup"]["scalingConfiguration"],
                         {"minInstanceCount": 0, "maxInstanceCount": 2})

    def test_update_validation(self):
        self.seed(("ng-a",))
        base = {"clusterIdentifier": "demo", "computeNodeGroupIdentifier": "ng-a"}
        err, _ = self.pcs("UpdateComputeNodeGroup", dict(base, scalingConfiguration={
            "minInstanceCount": 5, "maxInstanceCount": 2}), expect=400)
        self.assertEqual((err["__type"], err["reason"]),
                         ("ValidationException", "fieldValidationFailed"))
        self.assertEqual(err["fieldList"][0]["name"], "scalingConfiguration.minInstanceCount")
        err, _ = self.pcs("UpdateComputeNodeGroup", dict(base, scalingConfiguration={
            "minInstanceCount": -1, "maxInstanceCount": 2}), expect=400)
        self.assertEqual(err["__type"], "ValidationException")
        err, _ = self.pcs("UpdateComputeNodeGroup", dict(base, scalingConfiguration={
            "maxInstanceCount": 2}), expect=400)
        self.assertEqual(err["fieldList"][0]["name"], "scalingConfiguration.minInstanceCount")
        err, _ = self.pcs("UpdateComputeNodeGroup", dict(base, clientToken="short"), expect=400)
        self.assertEqual(err["fieldList"][0]["name"], "clientToken")
        self.control("POST", "/_fake/config", {"pcs_max_instances_quota": 100})
        err, _ = self.pcs("UpdateComputeNodeGroup", dict(base, scalingConfiguration={
            "minInstanceCount": 0, "maxInstanceCount": 101}), expect=402)
        self.assertEqual((err["__type"], err["serviceCode"]),
                         ("ServiceQuotaExceededException", "pcs"))
        status, _, data = self.json_call("pcs", "UpdateComputeNodeGroup", "not json")
        self.assertEqual(status, 400)
        status, _, data = self.send("pcs", "{}", [
            ("Content-Type", "application/json"),
            ("X-Amz-Target", "AWSParallelComputingService.ListComputeNodeGroups")])
        self.assertEqual((status, json.loads(data)["__type"]), (400, "SerializationException"))


# ---------------------------------------------------------------------------
class PricingTest(FakeTestCase):
    FILTERS = [{"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"},
               {"Type": "TERM_MATCH", "Field": "tenancy", "Value": "Shared"},
               {"Type": "TERM_MATCH", "Field": "preInstalledSw", "Value": "NA"},
               {"Type": "TERM_MATCH", "Field": "capacitystatus", "Value": "Used"}]

    @staticmethod
    def usd(doc):
        terms = doc["terms"]["OnDemand"]
        (term,) = terms.values()
        (dim,) = term["priceDimensions"].values()
        return dim["pricePerUnit"]["USD"]

    def test_get_products_from_catalog_and_seed(self):
        body, hdrs = self.pricing({"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1",
                                   "Filters": self.FILTERS + [
                                       {"Type": "TERM_MATCH", "Field": "instanceType",
                                        "Value": "c7g.large"},
                                       {"Type": "TERM_MATCH", "Field": "regionCode",
                                        "Value": "us-east-1"}]})
        self.assertEqual(hdrs["content-type"], "application/x-amz-json-1.1")
        self.assertEqual(body["FormatVersion"], "aws_v1")
        self.assertEqual(len(body["PriceList"]), 1)
        self.assertIsInstance(body["PriceList"][0], str)
        doc = json.loads(body["PriceList"][0])
        attrs = doc["product"]["attributes"]
        self.assertEqual((attrs["instanceType"], attrs["regionCode"], attrs["location"],
                          attrs["operatingSystem"], attrs["vcpu"], attrs["memory"]),
                         ("c7g.large", "us-east-1", "US East (N. Virginia)", "Linux", "2",
                          "4 GiB"))
        self.assertEqual(self.usd(doc), "0.0725000000")
        # location filter, and no us-east-1 price for hpc7a: no product
        body, _ = self.pricing({"ServiceCode": "AmazonEC2", "Filters": [
            {"Type": "TERM_MATCH", "Field": "location", "Value": "US East (N. Virginia)"},
            {"Type": "TERM_MATCH", "Field": "instanceType", "Value": "hpc7a.96xlarge"}]})
        self.assertEqual(body["PriceList"], [])
        query = {"ServiceCode": "AmazonEC2", "Filters": [
            {"Type": "TERM_MATCH", "Field": "instanceType", "Value": "hpc7a.96xlarge"},
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-2"}]}
        self.assertEqual(self.pricing(query)[0]["PriceList"], [])
        self.control("POST", "/_fake/prices", {"prices": [
            {"instance_type": "hpc7a.96xlarge", "region": "us-east-2", "price": "7.2"}]})
        (doc,) = [json.loads(s) for s in self.pricing(query)[0]["PriceList"]]
        self.assertEqual(self.usd(doc), "7.2000000000")
        self.assertEqual(doc["product"]["attributes"]["location"], "US East (Ohio)")

    def test_pagination_and_errors(self):
        query = {"ServiceCode": "AmazonEC2", "MaxResults": 30, "Filters": [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}]}
        seen, token, pages = [], None, 0
        while True:
            q = dict(query, NextToken=token) if token else query
            body, _ = self.pricing(q)
            pages += 1
            seen += [json.loads(s)["product"]["attributes"]["instanceType"]
                     for s in body["PriceList"]]
            token = body.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), 143)  # 152 types, 9 without a us-east-1 price
        self.assertEqual(len(set(seen)), 143)
        self.assertEqual(pages, 5)
        err, _ = self.pricing(dict(query, NextToken="garbage"), expect=400)
        self.assertEqual(err["__type"], "InvalidNextTokenException")
        err, _ = self.pricing({"ServiceCode": "AmazonEC2", "Filters": [
            {"Type": "FUZZY", "Field": "x", "Value": "y"}]}, expect=400)
        self.assertEqual(err["__type"], "InvalidParameterException")
        self.assertIn("Message", err)


# ---------------------------------------------------------------------------
class FaultTest(FakeTestCase):
    def test_throttle_each_service(self):
        self.fault(operation="DescribeInstances", kind="throttle", count=2)
        self.ec2_error({"Action": "DescribeInstances"}, 503, "RequestLimitExceeded")
        self.ec2_error({"Action": "DescribeInstances"}, 503, "RequestLimitExceeded")
        self.ec2_xml({"Action": "DescribeInstances"})
        self.fault(operation="ListComputeNodeGroups", kind="throttle", retry_after_s=3)
        err, hdrs = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "x"}, expect=429)
        self.assertEqual((err["__type"], err["retryAfterSeconds"], hdrs["retry-after"]),
                         ("ThrottlingException", 3, "3"))
        self.fault(operation="GetProducts", kind="throttle")
        err, _ = self.pricing({"ServiceCode": "AmazonEC2"}, expect=429)
        self.assertEqual(err["__type"], "ThrottlingException")
        self.pricing({"ServiceCode": "AmazonEC2", "MaxResults": 1})
        calls = self.calls(service="ec2")
        self.assertEqual([(c["status"], c["fault"]) for c in calls],
                         [(503, "throttle"), (503, "throttle"), (200, None)])
        if HAVE_BOTOCORE:
            self.fault(operation="DescribeInstances", kind="throttle")
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.botocore_client("ec2").describe_instances()
            self.assertEqual(cm.exception.response["Error"]["Code"], "RequestLimitExceeded")

    def test_internal_error(self):
        self.fault(operation="*", kind="internal", count=3)
        self.ec2_error({"Action": "DescribeInstances"}, 500, "InternalError")
        err, _ = self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "x"}, expect=500)
        self.assertEqual(err["__type"], "InternalServerException")
        err, _ = self.pricing({"ServiceCode": "AmazonEC2"}, expect=500)
        self.assertEqual(err["__type"], "InternalErrorException")
        self.ec2_xml({"Action": "DescribeInstances"})

    def test_delay(self):
        self.fault(operation="DescribeInstanceTypes", kind="delay", delay_s=0.5)
        start = time.time()
        self.ec2_xml({"Action": "DescribeInstanceTypes", "InstanceType.1": "c7g.large"})
        self.assertGreaterEqual(time.time() - start, 0.5)
        start = time.time()
        self.ec2_xml({"Action": "DescribeInstanceTypes", "InstanceType.1": "c7g.large"})
        self.assertLess(time.time() - start, 0.4)

    def test_malformed_bodies(self):
        self.fault(operation="DescribeInstanceTypes", kind="malformed")
        status, _, data = self.ec2({"Action": "DescribeInstanceTypes"})
        self.assertEqual(status, 200)
        with self.assertRaises(ET.ParseError):
            ET.fromstring(data)
        self.fault(operation="GetProducts", kind="malformed")
        status, _, data = self.json_call("pricing", "GetProducts", {"ServiceCode": "AmazonEC2"})
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(data)
        # a malformed CreateFleet answer still launched: retry with the same token
        self.fault(operation="CreateFleet", kind="malformed")
        status, _, data = self.ec2({
            "Action": "CreateFleet", "Type": "instant", "ClientToken": "retry-me",
            "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName": "lt",
            "LaunchTemplateConfigs.1.Overrides.1.InstanceType": "c7g.large",
            "TargetCapacitySpecification.TotalTargetCapacity": "1"})
        self.assertEqual(status, 200)
        with self.assertRaises(ET.ParseError):
            ET.fromstring(data)
        root = self.ec2_xml({
            "Action": "CreateFleet", "Type": "instant", "ClientToken": "retry-me",
            "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName": "lt",
            "LaunchTemplateConfigs.1.Overrides.1.InstanceType": "c7g.large",
            "TargetCapacitySpecification.TotalTargetCapacity": "1"})
        self.assertEqual(len(self.fleet_instances(root)), 1)
        self.assertEqual(len(self.control("GET", "/_fake/state")["instances"]), 1)

    def test_custom_error_and_imds_fault(self):
        self.fault(operation="UpdateComputeNodeGroup", kind="error", status=402,
                   error_code="ServiceQuotaExceededException", message="quota",
                   fields={"serviceCode": "pcs", "quotaCode": "L-FAKE"})
        err, _ = self.pcs("UpdateComputeNodeGroup", {}, expect=402)
        self.assertEqual((err["__type"], err["message"], err["quotaCode"]),
                         ("ServiceQuotaExceededException", "quota", "L-FAKE"))
        self.fault(service="imds", operation="token", kind="internal")
        self.imds_token(expect=500)
        self.imds_token()

    def test_control_api_validation(self):
        self.control("POST", "/_fake/faults", {"operation": "X", "kind": "nope"}, expect=400)
        self.control("POST", "/_fake/faults", {"operation": "CreateFleet", "kind": "partial"},
                     expect=400)
        self.control("POST", "/_fake/config", {"no_such_key": 1}, expect=400)
        self.control("GET", "/_fake/nothing", expect=404)
        f = self.fault(operation="CreateFleet", kind="capacity", count=-1)
        self.assertEqual(self.control("GET", "/_fake/faults")["faults"][0]["id"], f["id"])
        self.control("DELETE", "/_fake/faults")
        self.assertEqual(self.control("GET", "/_fake/faults")["faults"], [])

    def test_calls_log(self):
        self.create_fleet(["c7g.large"], 1)
        (call,) = self.calls(service="ec2", operation="CreateFleet")
        self.assertEqual(call["params"]["TargetCapacitySpecification.TotalTargetCapacity"], "1")
        self.assertEqual(call["input"]["TargetCapacitySpecification"]["TotalTargetCapacity"], 1)
        self.assertEqual((call["status"], call["signature_ok"], call["access_key_id"],
                          call["region"]), (200, True, AKID, "us-east-1"))
        self.assertTrue(call["time"].endswith("Z"))
        self.pcs("ListComputeNodeGroups", {"clusterIdentifier": "nope"}, expect=404)
        (call,) = self.calls(service="pcs")
        self.assertEqual((call["params"], call["error_code"]),
                         ({"clusterIdentifier": "nope"}, "ResourceNotFoundException"))


class LifecycleTest(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        server = Server()
        with urllib.request.urlopen(server.url + "/_fake/health", timeout=5) as resp:
            self.assertEqual(json.load(resp)["port"], server.port)
        self.assertEqual(server.stop(), 0)

    def test_refuses_non_loopback(self):
        out = subprocess.run([sys.executable, FAKE, "--host", "0.0.0.0", "--port", "0"],
                             capture_output=True, text=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("loopback", out.stderr)


if __name__ == "__main__":
    if not HAVE_BOTOCORE:
        print("NOTE: " + BOTOCORE_SKIP, file=sys.stderr)
    unittest.main()
