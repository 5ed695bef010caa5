"""AWS Signature Version 4 (header form), written from the published algorithm.

Used both ways by the fake AWS server:
  * verify_request(): recompute the signature of an incoming request;
  * sign_request():   sign a request, for the tests (a client as botocore or
                      curl --aws-sigv4 would).

Python standard library only.  Checked against the 34 cases of the AWS SigV4
test suite (tests/fake_aws/test_fake_aws.py).

Canonical request = METHOD \n URI \n QUERY \n HEADERS \n\n SIGNED \n PAYLOAD_HASH
  URI:     path with dot segments and duplicate slashes removed, each byte
           outside A-Z a-z 0-9 - _ . ~ (and '/') percent-encoded upper case.
           Non-S3 services encode the path once more than it travels on the
           wire (botocore does this); for the only path our APIs use, "/",
           the two readings agree.
  QUERY:   name=value pairs, each side percent-decoded then re-encoded,
           sorted by name then value.
  HEADERS: lower-case name, value trimmed with inner whitespace runs folded
           to one space, repeated headers joined with ',' in arrival order.
"""

import datetime
import hashlib
import hmac
import re
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_WS = re.compile(r"\s+")


def uri_encode(text, keep_slash=False):
    """Percent-encode every byte except the unreserved set (and '/' if asked)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    out = []
    for byte in data:
        if byte in _UNRESERVED or (keep_slash and byte == 0x2F):
            out.append(chr(byte))
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def normalize_path(path):
    """Remove '.' and '..' segments and empty segments (RFC 3986 5.2.4 plus
    duplicate-slash removal, as the SigV4 suite's normalize-path cases want)."""
    if not path:
        return "/"
    segments = path.split("/")
    stack = []
    for seg in segments:
        if seg in ("", "."):
            continue
        if seg == "..":
            if stack:
                stack.pop()
            continue
        stack.append(seg)
    result = "/" + "/".join(stack)
    last = segments[-1]
    if stack and (path.endswith("/") or last in (".", "..")):
        result += "/"
    return result


def canonical_uri(path, normalize=True):
    if normalize:
        path = normalize_path(path)
    return uri_encode(path, keep_slash=True) or "/"


def canonical_query(query):
    """Canonical query string from a raw query ("a=1&b=2", no leading '?')."""
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        if part == "":
            continue
        name, sep, value = part.partition("=")
        name = uri_encode(urllib.parse.unquote(name))
        value = uri_encode(urllib.parse.unquote(value))
        pairs.append((name, value))
    pairs.sort()
    return "&".join("%s=%s" % p for p in pairs)


def canonical_header_value(value):
    return _WS.sub(" ", value.strip())


def canonical_headers(headers, signed_headers):
    """headers: list of (name, value) in arrival order (duplicates allowed).
    signed_headers: list of lower-case names.  Returns the header block
    (each line ending in '\\n').  Raises KeyError for a signed header that
    is not present."""
    grouped = {}
    for name, value in headers:
        grouped.setdefault(name.lower().strip(), []).append(canonical_header_value(value))
    lines = []
    for name in signed_headers:
        if name not in grouped:
            raise KeyError(name)
        lines.append("%s:%s\n" % (name, ",".join(grouped[name])))
    return "".join(lines)


def canonical_request(method, path, query, headers, signed_headers, payload_hash, normalize=True):
    return "\n".join([
        method.upper(),
        canonical_uri(path, normalize),
        canonical_query(query),
        canonical_headers(headers, signed_headers),
        ";".join(signed_headers),
        payload_hash,
    ])


def credential_scope(date, region, service):
    return "%s/%s/%s/aws4_request" % (date, region, service)


def string_to_sign(amz_date, scope, creq):
    return "\n".join([ALGORITHM, amz_date, scope,
                      hashlib.sha256(creq.encode("utf-8")).hexdigest()])


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(secret, date, region, service, sts):
    return hmac.new(signing_key(secret, date, region, service),
                    sts.encode("utf-8"), hashlib.sha256).hexdigest()


def amz_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def sign_request(method, path, query, headers, body, access_key, secret, region, service,
                 amz_date=None, session_token=None, signed_header_names=None):
    """Sign like a client.  headers: list of (name, value) that will be sent
    (must include Host).  Adds X-Amz-Date (and X-Amz-Security-Token) and
    returns the new header list including Authorization.
    signed_header_names: which headers to sign (default: all of them)."""
    amz_date = amz_date or amz_now()
    headers = list(headers) + [("X-Amz-Date", amz_date)]
    if session_token:
        headers.append(("X-Amz-Security-Token", session_token))
    if signed_header_names is None:
        signed = sorted({n.lower() for n, _ in headers})
    else:
        signed = sorted({n.lower() for n in signed_header_names} | {"host", "x-amz-date"})
    body = body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    creq = canonical_request(method, path, query, headers, signed,
                             hashlib.sha256(body).hexdigest())
    scope = credential_scope(amz_date[:8], region, service)
    sts = string_to_sign(amz_date, scope, creq)
    sig = signature(secret, amz_date[:8], region, service, sts)
    headers.append(("Authorization", "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                    % (ALGORITHM, access_key, scope, ";".join(signed), sig)))
    return headers


class AuthError(Exception):
    """kind is one of: missing, incomplete, unknown_key, bad_signature,
    skew_past, skew_future, expired_token, invalid_token, bad_scope."""

    def __init__(self, kind, message, access_key=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.access_key = access_key


class ParsedAuth:
    def __init__(self, access_key, date, region, service, terminator, signed_headers, signature):
        self.access_key = access_key
        self.date = date
        self.region = region
        self.service = service
        self.terminator = terminator
        self.signed_headers = signed_headers
        self.signature = signature


def parse_authorization(value):
    """Parse 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...'."""
    if value is None:
        raise AuthError("missing", "Missing Authentication Token")
    value = value.strip()
    algo, _, rest = value.partition(" ")
    if algo != ALGORITHM:
        raise AuthError("incomplete", "Unsupported authorization type: %s" % (algo or "(empty)"))
    fields = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise AuthError("incomplete",
                        "Authorization header requires '%s' parameter. Authorization=%s"
                        % (missing[0], value))
    cred = fields["Credential"].split("/")
    if len(cred) != 5:
        raise AuthError("incomplete", "Credential should be scoped to a valid region. "
                        "Credential=%s" % fields["Credential"])
    return ParsedAuth(cred[0], cred[1], cred[2], cred[3], cred[4],
                      fields["SignedHeaders"].split(";"), fields["Signature"])


def _parse_amz_date(text):
    return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def verify_request(method, raw_path, headers, body, lookup, expected_service,
                   valid_regions=None, now=None, max_skew_s=300):
    """Check the SigV4 signature of a received request.

    raw_path: request target as received ('/path?query').
    headers:  list of (name, value) as received.
    lookup(access_key) -> None (unknown key) or dict(secret=..., token=None|str,
                          expires=None|datetime).
    Returns the ParsedAuth on success; raises AuthError otherwise.
    """
    hdr = {}
    for name, value in headers:
        hdr.setdefault(name.lower(), value)
    auth = parse_authorization(hdr.get("authorization"))
    if auth.terminator != "aws4_request":
        raise AuthError("incomplete", "Credential should be scoped with a valid terminator: "
                        "'aws4_request', not '%s'." % auth.terminator, auth.access_key)
    amz_date = hdr.get("x-amz-date")
    if not amz_date:
        raise AuthError("incomplete", "Authorization header requires existence of either a "
                        "'X-Amz-Date' or a 'Date' header.", auth.access_key)
    try:
        when = _parse_amz_date(amz_date.strip())
    except ValueError:
        raise AuthError("incomplete", "Invalid X-Amz-Date: %s" % amz_date, auth.access_key)
    amz_date = amz_date.strip()
    if "host" not in auth.signed_headers:
        raise AuthError("bad_signature", "'Host' must be a signed header.", auth.access_key)
    if auth.service != expected_service:
        raise AuthError("bad_scope", "Credential should be scoped to correct service: '%s'."
                        % expected_service, auth.access_key)
    if valid_regions is not None and auth.region not in valid_regions:
        raise AuthError("bad_scope", "Credential should be scoped to a valid region.",
                        auth.access_key)
    if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d+$", auth.region):
        raise AuthError("bad_scope", "Credential should be scoped to a valid region.",
                        auth.access_key)
    if auth.date != amz_date[:8]:
        raise AuthError("bad_scope", "Date in Credential scope does not match YYYYMMDD from "
                        "ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'."
                        % (auth.date, amz_date[:8], amz_date), auth.access_key)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    skew = datetime.timedelta(seconds=max_skew_s)
    fmt = "%Y%m%dT%H%M%SZ"
    if when < now - skew:
        raise AuthError("skew_past", "Signature expired: %s is now earlier than %s (%s - %d min.)"
                        % (amz_date, (now - skew).strftime(fmt), now.strftime(fmt),
                           max_skew_s // 60), auth.access_key)
    if when > now + skew:
        raise AuthError("skew_future", "Signature not yet current: %s is still later than %s "
                        "(%s + %d min.)" % (amz_date, (now + skew).strftime(fmt),
                                            now.strftime(fmt), max_skew_s // 60),
                        auth.access_key)
    cred = lookup(auth.access_key)
    if cred is None:
        raise AuthError("unknown_key", "The security token included in the request is invalid.",
                        auth.access_key)
    token = hdr.get("x-amz-security-token")
    if cred.get("token"):
        if token is None or token.strip() != cred["token"]:
            raise AuthError("invalid_token", "The security token included in the request is "
                            "invalid.", auth.access_key)
        expires = cred.get("expires")
        if expires is not None and now >= expires:
            raise AuthError("expired_token", "The security token included in the request is "
                            "expired", auth.access_key)
    elif token is not None:
        raise AuthError("invalid_token", "The security token included in the request is invalid.",
                        auth.access_key)
    path, _, query = raw_path.partition("?")
    actual_hash = hashlib.sha256(body or b"").hexdigest()
    payload_hash = hdr.get("x-amz-content-sha256", actual_hash).strip()
    if payload_hash != actual_hash:
        raise AuthError("bad_signature", "The provided 'x-amz-content-sha256' header does not "
                        "match what was computed.", auth.access_key)
    try:
        creq = canonical_request(method, path, query, headers, auth.signed_headers, payload_hash)
    except KeyError as missing:
        raise AuthError("bad_signature", "Signed header %s is missing from the request." % missing,
                        auth.access_key)
    sts = string_to_sign(amz_date, credential_scope(auth.date, auth.region, auth.service), creq)
    expected = signature(cred["secret"], auth.date, auth.region, auth.service, sts)
    if not hmac.compare_digest(expected, auth.signature):
        err = AuthError("bad_signature", "The request signature we calculated does not match the "
                        "signature you provided. Check your AWS Secret Access Key and signing "
                        "method. Consult the service documentation for details.", auth.access_key)
        err.canonical_request = creq
        err.string_to_sign = sts
        raise err
    return auth
