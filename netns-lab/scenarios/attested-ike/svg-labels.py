#!/usr/bin/env python3
# attested-ike — what tvdctl graph drew, read back from the SVG as a user's browser would show it (its text and the
# marks on its groups): svg-labels.py FILE title|peers|tvds|guests|refusals|"links PEER".
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
what = sys.argv[2].split()
groups = list(root.iter(NS + "g"))


def marked(cls, attr):
    return sorted({g.get(attr) for g in groups if g.get("class") == cls})


def shown(text):
    # What the browser shows of a <text>: its own characters, not its <title> (the tooltip).
    return ((text.text or "") + "".join(c.tail or "" for c in text)).strip()


def text_of(element):
    return "".join(shown(t) for t in element.iter(NS + "text"))


if what[0] == "title":
    print(shown(next(root.iter(NS + "text"))))
elif what[0] == "peers":
    print(" ".join(marked("peer", "data-peer")))
elif what[0] == "tvds":
    print(" ".join(marked("legend-tvd", "data-tvd")))
elif what[0] == "guests":
    print(" ".join(marked("guest", "data-guest")))
elif what[0] == "refusals":
    print(" | ".join(text_of(g) for g in groups if g.get("class") == "refused-join"))
elif what[0] == "links":
    links = [g for g in groups if (g.get("class") or "").startswith("link ") and g.get("data-peer") == what[1]]
    print(",".join(sorted(f"{g.get('data-tvd')} {g.get('class').split()[1]} {g.get('data-attestation')}" for g in links)))
