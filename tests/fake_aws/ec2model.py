"""EC2 Query protocol, driven by the botocore EC2 model.

* decode_query(): flat form parameters ("LaunchTemplateConfigs.1.Overrides.2.InstanceType")
  -> nested dict keyed by model member names, the reverse of botocore's
  EC2Serializer: a member's wire name is its queryName, else its locationName
  with the first letter upper-cased, else the member name; lists are always
  flattened as Name.1, Name.2 ...  Unknown parameters, bad numbers/booleans
  and missing required members raise QueryError with the EC2 error code.
* to_xml(): nested dict keyed by member names -> response XML, element names
  from the model's locationName, lists wrapped as <xxxSet><item>..</item>.

The model file next to this module (ec2-model-subset.json) is the part of
botocore's botocore/data/ec2/2016-11-15/service-2.json (Apache-2.0) reachable
from the operations the fake serves, documentation removed.  Regenerate with
  python3 ec2model.py --make-subset path/to/ec2-service-2.json ec2-model-subset.json
"""

import datetime
import json
import os
import sys
from xml.sax.saxutils import escape

XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
API_VERSION = "2016-11-15"
OPERATIONS = ["CreateFleet", "DescribeInstances", "TerminateInstances", "CreateTags",
              "DescribeSpotPriceHistory", "DescribeInstanceTypes", "DescribeSubnets",
              "DescribeInstanceTypeOfferings"]
MODEL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ec2-model-subset.json")


class QueryError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Ec2Model:
    def __init__(self, path=MODEL_FILE):
        with open(path, encoding="utf-8") as f:
            model = json.load(f)
        self.operations = model["operations"]
        self.shapes = model["shapes"]

    # ---- input --------------------------------------------------------
    @staticmethod
    def wire_name(name, member):
        if member.get("queryName"):
            return member["queryName"]
        loc = member.get("locationName")
        if loc:
            return loc[0].upper() + loc[1:]
        return name

    def decode_query(self, operation, params):
        """params: dict of flat wire names -> string (Action/Version removed)."""
        op = self.operations[operation]
        used = set()
        result = self._decode_struct(op["input"]["shape"], "", params, used, top=True)
        unknown = sorted(k for k in params if k not in used)
        if unknown:
            raise QueryError("UnknownParameter", "The parameter %s is not recognized" % unknown[0])
        return result

    def _decode(self, shape_name, key, params, used):
        shape = self.shapes[shape_name]
        t = shape["type"]
        if t == "structure":
            return self._decode_struct(shape_name, key + ".", params, used)
        if t == "list":
            return self._decode_list(shape_name, key, params, used)
        if key not in params:
            return None
        used.add(key)
        return self._scalar(t, key, params[key], shape)

    def _decode_struct(self, shape_name, prefix, params, used, top=False):
        shape = self.shapes[shape_name]
        out = {}
        for name, member in shape.get("members", {}).items():
            key = prefix + self.wire_name(name, member)
            value = self._decode(member["shape"], key, params, used)
            if value is not None:
                out[name] = value
        if not out and not top:
            return None
        for req in shape.get("required", []):
            if req not in out:
                wire = prefix + self.wire_name(req, shape["members"][req])
                raise QueryError("MissingParameter",
                                 "The request must contain the parameter %s" % wire)
        return out

    def _decode_list(self, shape_name, key, params, used):
        shape = self.shapes[shape_name]
        member_shape = shape["member"]["shape"]
        indexes = set()
        start = key + "."
        for k in params:
            if k.startswith(start):
                idx = k[len(start):].split(".", 1)[0]
                if idx.isdigit() and int(idx) >= 1:
                    indexes.add(int(idx))
        if not indexes:
            return None
        items = []
        for i in sorted(indexes):
            value = self._decode(member_shape, "%s.%d" % (key, i), params, used)
            if value is not None:
                items.append(value)
        return items

    @staticmethod
    def _scalar(t, key, raw, shape):
        if t in ("integer", "long"):
            try:
                value = int(raw)
            except ValueError:
                raise QueryError("InvalidParameterValue",
                                 "Invalid value '%s' for %s" % (raw, key))
            return value
        if t in ("double", "float"):
            try:
                return float(raw)
            except ValueError:
                raise QueryError("InvalidParameterValue", "Invalid value '%s' for %s" % (raw, key))
        if t == "boolean":
            low = raw.lower()
            if low not in ("true", "false"):
                raise QueryError("InvalidParameterValue",
                                 "Invalid value '%s' for %s, must be boolean" % (raw, key))
            return low == "true"
        if t == "timestamp":
            return parse_timestamp(raw, key)
        if "enum" in shape and raw not in shape["enum"] and shape_is_small_enum(shape):
            raise QueryError("InvalidParameterValue", "Value (%s) for parameter %s is invalid."
                             % (raw, key))
        return raw

    # ---- output -------------------------------------------------------
    def to_xml(self, operation, value, request_id, extra_xml=""):
        op = self.operations[operation]
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n',
                 '<%sResponse xmlns="%s">' % (operation, XMLNS),
                 "<requestId>%s</requestId>" % request_id]
        if "output" in op:
            self._emit_members(op["output"]["shape"], value, parts)
        parts.append(extra_xml)
        parts.append("</%sResponse>" % operation)
        return "".join(parts)

    def _emit_members(self, shape_name, value, parts):
        shape = self.shapes[shape_name]
        members = shape.get("members", {})
        extra = set(value) - set(members)
        if extra:
            raise ValueError("%s has no member(s) %s" % (shape_name, sorted(extra)))
        for name, item in value.items():  # the caller's order (real EC2 order)
            if item is not None:
                member = members[name]
                tag = member.get("locationName") or name
                self._emit(member["shape"], tag, item, parts)

    def _emit(self, shape_name, tag, value, parts):
        shape = self.shapes[shape_name]
        t = shape["type"]
        if t == "structure":
            parts.append("<%s>" % tag)
            self._emit_members(shape_name, value, parts)
            parts.append("</%s>" % tag)
        elif t == "list":
            item_tag = shape["member"].get("locationName") or "item"
            parts.append("<%s>" % tag)
            for item in value:
                self._emit(shape["member"]["shape"], item_tag, item, parts)
            parts.append("</%s>" % tag)
        else:
            parts.append("<%s>%s</%s>" % (tag, escape(format_scalar(t, value)), tag))


def shape_is_small_enum(shape):
    # Instance types are validated against the catalog instead, the model's
    # list of 1400 names being neither complete nor needed.
    return len(shape.get("enum", [])) < 200


def format_scalar(t, value):
    if t == "boolean":
        return "true" if value else "false"
    if t == "timestamp":
        if isinstance(value, datetime.datetime):
            return iso_ms(value)
        return str(value)
    if t in ("double", "float") and isinstance(value, float) and value.is_integer():
        return "%.1f" % value
    return str(value)


def iso_ms(dt):
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def parse_timestamp(raw, key="timestamp"):
    text = raw.strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.datetime.fromtimestamp(float(text), datetime.timezone.utc)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise QueryError("InvalidParameterValue", "Invalid value '%s' for %s" % (raw, key))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt


def make_subset(src, dst, operations=OPERATIONS):
    with open(src, encoding="utf-8") as f:
        model = json.load(f)
    shapes = model["shapes"]
    roots = []
    ops = {}
    for name in operations:
        op = dict(model["operations"][name])
        op.pop("documentation", None)
        ops[name] = op
        roots.append(op["input"]["shape"])
        if "output" in op:
            roots.append(op["output"]["shape"])
    seen = {}
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        shape = {k: v for k, v in shapes[name].items() if k != "documentation"}
        if len(shape.get("enum", [])) >= 200:
            del shape["enum"]  # InstanceType: checked against the catalog instead
        seen[name] = shape
        if shape["type"] == "structure":
            members = {}
            for mname, m in shape["members"].items():
                members[mname] = {k: v for k, v in m.items() if k != "documentation"}
                stack.append(m["shape"])
            shape["members"] = members
        elif shape["type"] == "list":
            stack.append(shape["member"]["shape"])
        elif shape["type"] == "map":
            stack += [shape["key"]["shape"], shape["value"]["shape"]]
    out = {
        "_source": "boto/botocore botocore/data/ec2/2016-11-15/service-2.json (Apache-2.0), "
                   "subset for tests/fake_aws: operations %s, documentation and the "
                   "InstanceType enum removed" % ", ".join(operations),
        "metadata": model["metadata"],
        "operations": ops,
        "shapes": dict(sorted(seen.items())),
    }
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=0, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--make-subset":
        make_subset(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: ec2model.py --make-subset SRC_SERVICE_2_JSON DST_JSON")
