"""Pieces shared by the fake AWS services: errors, time, catalog, hooks."""

import csv
import datetime
import logging
import os
import re
import shlex
import subprocess
import threading
import urllib.parse
import uuid

log = logging.getLogger("fake_aws")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CATALOG = os.path.normpath(os.path.join(HERE, "..", "..", "data", "ec2-instance-types.csv"))
DEFAULT_OFFERINGS = os.path.normpath(os.path.join(HERE, "..", "..", "data", "ec2-prices-by-region.csv"))

# Pricing API "location" names of the regions (public AWS naming).
REGION_LOCATIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "sa-east-1": "South America (Sao Paulo)",
}


class ApiError(Exception):
    """An error answer.  code: the AWS error code; status: HTTP status;
    fields: extra JSON members (awsJson services); headers: extra headers."""

    def __init__(self, code, message, status=400, fields=None, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.headers = headers or {}


def reencode_form(body):
    """An application/x-www-form-urlencoded body as botocore writes the same
    parameters (urllib.parse.urlencode, quote_plus: a space is '+'). moto
    checks EC2 signatures over the form encoded again this way, not over
    the bytes received: a client is accepted there only if its body is
    already in this form."""
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return urllib.parse.urlencode(pairs).encode()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso_z(dt):
    """2026-11-28T06:29:00Z"""
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_z(dt):
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def parse_iso(text):
    if isinstance(text, datetime.datetime):
        return text
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt


def request_id():
    return str(uuid.uuid4())


def hex_id(prefix, n=17):
    return prefix + uuid.uuid4().hex[:n]


class InstanceTypeInfo:
    def __init__(self, row):
        self.name = row["instance_type"]
        self.family = row["family"]
        self.arch = row["arch"]
        self.vcpus = int(row["vcpus"])
        self.memory_mib = int(row["memory_mib"])
        self.gpus = int(row["gpus"] or 0)
        self.gpu_model = row["gpu_model"] or None
        self.gpu_memory_mib = int(row["gpu_memory_mib"]) if row["gpu_memory_mib"] else None
        self.efa = row["efa"].strip().lower() == "true"
        self.network_gbps = float(row["network_gbps"]) if row["network_gbps"] else None
        price = row.get("ondemand_usd_per_hour_us_east_1", "")
        self.price_us_east_1 = price.strip() or None  # keep the catalog's text

    @property
    def is_neuron(self):
        return bool(self.gpu_model) and self.gpu_model.startswith(("trainium", "inferentia"))


def load_catalog(path):
    catalog = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            info = InstanceTypeInfo(row)
            catalog[info.name] = info
    return catalog


def load_offerings(path):
    """(instance type, region) -> the zone IDs that offer it, from the
    prices-by-region CSV; {} when the file is absent."""
    offerings = {}
    if not path or not os.path.exists(path):
        return offerings
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            zones = [z for z in (row.get("availability_zones") or "").split(";") if z]
            offerings[(row["instance_type"], row["region"])] = zones
    return offerings


DIRECTION_CODES = {"northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw"}


def zone_id_of(az):
    """us-east-1c -> use1-az3, ap-northeast-1a -> apne1-az1: the fake's fixed
    name-to-ID map (AWS maps names to IDs per account)."""
    m = re.match(r"^([a-z]+)-([a-z]+)-(\d+)([a-z])$", az or "")
    if not m:
        return ""
    area, direction, number, letter = m.groups()
    return "%s%s%s-az%d" % (area, DIRECTION_CODES.get(direction, direction[0]), number, ord(letter) - ord("a") + 1)


def env_tag_name(key):
    return "FAKE_TAG_" + re.sub(r"[^A-Za-z0-9]", "_", key)


class HookRunner:
    """Runs --on-launch / --on-terminate commands without a shell, in the
    background; remembers what ran (for /_fake/state)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.runs = []

    def run(self, event, command, instance):
        if not command:
            return
        argv = shlex.split(command)
        env = dict(os.environ)
        env.update({
            "FAKE_EVENT": event,
            "FAKE_INSTANCE_ID": instance["InstanceId"],
            "FAKE_INSTANCE_TYPE": instance["InstanceType"],
            "FAKE_PRIVATE_IP": instance.get("PrivateIpAddress") or "",
            "FAKE_PRIVATE_DNS_NAME": instance.get("PrivateDnsName") or "",
            "FAKE_AVAILABILITY_ZONE": instance["Placement"]["AvailabilityZone"],
            "FAKE_LIFECYCLE": instance.get("InstanceLifecycle") or "on-demand",
        })
        for tag in instance.get("Tags", []):
            env[env_tag_name(tag["Key"])] = tag.get("Value", "")
        record = {"event": event, "instance_id": instance["InstanceId"], "argv": argv,
                  "pid": None, "returncode": None, "error": None}
        with self.lock:
            self.runs.append(record)
        try:
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)
        except OSError as exc:
            record["error"] = str(exc)
            log.warning("hook %s for %s failed to start: %s", event, instance["InstanceId"], exc)
            return
        record["pid"] = proc.pid
        log.info("hook %s for %s: pid %d %s", event, instance["InstanceId"], proc.pid, argv)

        def reap():
            record["returncode"] = proc.wait()
        threading.Thread(target=reap, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return [dict(r) for r in self.runs]

    def reset(self):
        with self.lock:
            self.runs = []
