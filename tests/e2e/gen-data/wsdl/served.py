#!/usr/bin/env python3
"""served.py PORT PATH OPERATION [--internal TEXT]... — the WSDL a service
serves its clients (GET PATH?wsdl), checked as a client would use it:

  - every document reachable from PATH?wsdl by wsdl:import and
    xsd:import/include locations is fetched through those locations, all
    of which point back at the service (http://127.0.0.1:PORT/...);
  - no comments, no processing instructions, no BPEL extensions
    (partnerLinkType, property, propertyAlias), no --internal TEXT (a
    partner's address or name the WSDL file holds);
  - every soap:address is the service's own address (the Host header the
    client sent), and each WSDL document is valid WSDL 1.1 (xmllint
    against ../shared/schemas/wsdl.xsd);
  - a request for OPERATION generated from the documents alone (its
    port's address, the binding's soapAction, an instance of the input
    part's element built from the served schemas) is answered 200 with
    the output element and no fault;
  - the address follows the Host header and X-Forwarded-Proto, and an
    invalid Host falls back to the connection's own address.

Exit 0 when all held, 1 otherwise. Python standard library and xmllint."""
import http.client
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

PORT = int(sys.argv[1])
PATH = sys.argv[2]
OPERATION = sys.argv[3]
INTERNAL = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--internal"]
BASE = "http://127.0.0.1:%d" % PORT
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.normpath(os.path.join(HERE, "../../../../../shared/schemas"))
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
BPEL_NS = ("wsbpel", "business-process", "partner-link")
problems = []


def bad(msg):
    problems.append(msg)
    print("PROBLEM:", msg)


def get(url_path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        c.request("GET", url_path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8"), dict(r.getheaders())
    finally:
        c.close()


def fetch_all():
    """url -> (text, root) for every document reachable from PATH?wsdl."""
    docs = {}
    todo = [BASE + PATH + "?wsdl"]
    while todo:
        url = todo.pop(0)
        if url in docs:
            continue
        if not url.startswith(BASE + "/"):
            bad("a location leaves the service: %s" % url)
            continue
        st, text, hdrs = get(url[len(BASE):], {"Host": "127.0.0.1:%d" % PORT})
        if st != 200:
            bad("%s answered %d" % (url, st))
            continue
        if "Host" not in hdrs.get("Vary", ""):
            bad("%s: no Vary: Host" % url)
        root = ET.fromstring(text)
        docs[url] = (text, root)
        for el in root.iter():
            if el.tag == "{%s}import" % WSDL:
                todo.append(el.get("location"))
            elif el.tag in ("{%s}import" % XSD, "{%s}include" % XSD) and \
                    el.get("schemaLocation"):
                todo.append(el.get("schemaLocation"))
    return docs


def check_clean(url, text, root):
    # The XML declaration is the only <?...?> allowed.
    body = re.sub(r"^<\?xml[^>]*\?>", "", text.lstrip())
    if "<!--" in body:
        bad("%s holds a comment" % url)
    if "<?" in body:
        bad("%s holds a processing instruction" % url)
    for el in root.iter():
        ns = el.tag[1:].split("}")[0] if el.tag.startswith("{") else ""
        if any(k in ns for k in BPEL_NS):
            bad("%s holds a BPEL extension %s" % (url, el.tag))
        if el.tag.endswith("}address"):
            loc = el.get("location", "")
            if not loc.startswith(BASE + "/"):
                bad("%s: address %s is not the service's" % (url, loc))
    for t in INTERNAL:
        if t in text:
            bad("%s reveals %r" % (url, t))


def validate(url, text):
    xsd = os.path.join(SCHEMAS, "wsdl.xsd")
    if not os.path.isfile(xsd):
        bad("no %s to validate against" % xsd)
        return
    with tempfile.NamedTemporaryFile("w", suffix=".wsdl", delete=False) as f:
        f.write(text)
    try:
        p = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd, f.name],
                           capture_output=True, text=True)
        if p.returncode != 0:
            bad("%s is not valid WSDL 1.1: %s" % (url, p.stderr.strip()[-500:]))
    finally:
        os.unlink(f.name)


def qname(el, value):
    """{ns}local of a QName attribute value, with the prefixes of el's
    document. ElementTree drops them, so they are read back from the
    document's text (each document here declares a prefix once)."""
    prefix, _, local = value.rpartition(":")
    return "{%s}%s" % (NSMAPS[id(el)].get(prefix, ""), local)


NSMAPS = {}


def definitions(docs):
    """Top-level definitions of every WSDL and schema, by kind and QName."""
    defs = {}
    for url, (text, root) in docs.items():
        nsmap = {m.group(1) or "": m.group(2) for m in
                 re.finditer(r'xmlns(?::([\w.-]+))?="([^"]*)"', text)}
        for el in root.iter():
            NSMAPS[id(el)] = nsmap
        if root.tag == "{%s}definitions" % WSDL:
            tns = root.get("targetNamespace", "")
            for el in root:
                kind = el.tag.split("}")[1]
                if el.get("name"):
                    defs[(kind, "{%s}%s" % (tns, el.get("name")))] = el
            schemas = root.iter("{%s}schema" % XSD)
        else:
            schemas = [root]
        for s in schemas:
            tns = s.get("targetNamespace", "")
            for el in s:
                kind = el.tag.split("}")[1]
                if el.get("name"):
                    defs[("xsd:" + kind, "{%s}%s" % (tns, el.get("name")))] = (el, s)
    return defs


def instance(defs, el, schema, qualified_ns):
    """An XML instance of element declaration `el`: minimal values."""
    name = el.get("name")
    tag = "{%s}%s" % (qualified_ns, name) if qualified_ns else name
    out = ET.Element(tag)
    ctype = el.find("{%s}complexType" % XSD)
    t = el.get("type")
    if t and ctype is None:
        q = qname(el, t)
        if q.startswith("{%s}" % XSD):
            local = q.split("}")[1]
            out.text = "1" if re.search(r"int|long|short|byte|decimal|integer", local, re.I) \
                else "true" if local == "boolean" else "x"
            return out
        found = defs.get(("xsd:complexType", q))
        if not found:
            out.text = "x"
            return out
        ctype, schema = found
    if ctype is None:
        out.text = "x"
        return out
    tns = schema.get("targetNamespace", "")
    qualified = schema.get("elementFormDefault") == "qualified"
    for group in ctype:
        if group.tag.split("}")[1] not in ("sequence", "all", "choice"):
            continue
        for child in group.findall("{%s}element" % XSD):
            if child.get("ref"):
                q = qname(child, child.get("ref"))
                d, s = defs[("xsd:element", q)]
                out.append(instance(defs, d, s, s.get("targetNamespace", "")))
            else:
                out.append(instance(defs, child, schema, tns if qualified else ""))
            if group.tag.endswith("choice"):
                break
    return out


def call(defs, docs):
    """POST a request for OPERATION built from the served WSDL alone."""
    for (kind, _), svc in list(defs.items()):
        if kind != "service":
            continue
        for port in svc.findall("{%s}port" % WSDL):
            binding = defs[("binding", qname(port, port.get("binding")))]
            for op in binding.findall("{%s}operation" % WSDL):
                if op.get("name") != OPERATION:
                    continue
                address = port.find("{%s}address" % SOAP).get("location")
                so = op.find("{%s}operation" % SOAP)
                action = so.get("soapAction") if so is not None else None
                pt = defs[("portType", qname(binding, binding.get("type")))]
                pop = [o for o in pt.findall("{%s}operation" % WSDL)
                       if o.get("name") == OPERATION][0]
                msg_in = defs[("message", qname(pop, pop.find("{%s}input" % WSDL).get("message")))]
                msg_out = defs[("message", qname(pop, pop.find("{%s}output" % WSDL).get("message")))]
                part = msg_in.find("{%s}part" % WSDL)
                eq = qname(part, part.get("element"))
                d, s = defs[("xsd:element", eq)]
                body = instance(defs, d, s, s.get("targetNamespace", ""))
                out_el = qname(msg_out, msg_out.find("{%s}part" % WSDL).get("element"))
                return address, action, body, out_el
    raise SystemExit("no port offers operation %s" % OPERATION)


def main():
    docs = fetch_all()
    print("fetched %d documents: %s" % (len(docs), ", ".join(
        u[len(BASE):] for u in docs)))
    for url, (text, root) in docs.items():
        check_clean(url, text, root)
        if root.tag == "{%s}definitions" % WSDL:
            validate(url, text)
    defs = definitions(docs)
    address, action, body, out_el = call(defs, docs)
    env = ET.Element("{%s}Envelope" % ENV)
    ET.SubElement(env, "{%s}Body" % ENV).append(body)
    payload = ET.tostring(env)
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if action is not None:
        headers["SOAPAction"] = '"%s"' % action
    c.request("POST", address[len(BASE):], body=payload, headers=headers)
    r = c.getresponse()
    answer = r.read().decode("utf-8")
    c.close()
    local = out_el.split("}")[1]
    if r.status != 200 or "Fault" in answer or local not in answer:
        bad("generated request %s to %s: %d %s" % (payload[:300], address, r.status, answer[:300]))
    else:
        print("generated request for %s answered with %s" % (OPERATION, local))
    # The address as the client reached the service.
    st, text, _ = get(PATH + "?wsdl", {"Host": "wsdl.example:8443",
                                       "X-Forwarded-Proto": "https"})
    if 'location="https://wsdl.example:8443%s"' % PATH not in text:
        bad("Host and X-Forwarded-Proto not followed")
    st, text, _ = get(PATH + "?wsdl", {"Host": 'evil"><x y="'})
    if st != 200 or 'location="%s%s"' % (BASE, PATH) not in text:
        bad("an invalid Host header did not fall back to the local address")
    st, _, _ = get(PATH + "?wsdl=99")
    if st != 404:
        bad("?wsdl=99 answered %d" % st)
    if problems:
        return 1
    print("served WSDL: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
