"""Fill msgstr entries of a .po file from a {msgid: msgstr} dict module; report what is missing.

usage: python scripts/fill_po.py PO_FILE DICT_MODULE.py
Only empty or fuzzy entries are filled; existing translations are kept.
"""

import re
import runpy
import sys


def main() -> int:
    po_path, dict_path = sys.argv[1], sys.argv[2]
    table = runpy.run_path(dict_path)["ZH"]
    with open(po_path, encoding="utf-8") as handle:
        text = handle.read()
    header, *blocks = text.split("\n\n")
    missing = []
    out = [header]
    for block in blocks:
        match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))) if match else ""
        empty = re.search(r'^msgstr ""\s*$', block, re.M) and not re.search(r'^msgstr ""\n"', block, re.M)
        if msgid and (empty or "#, fuzzy" in block):
            key = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            if key in table:
                value = table[key].replace("\\", "\\\\").replace('"', '\\"')
                block = re.sub(r'^msgstr ""\s*$', f'msgstr "{value}"', block, flags=re.M)
                block = re.sub(r"^#, fuzzy\n", "", block, flags=re.M).replace(", fuzzy", "")
                block = re.sub(r"^#\| .*\n?", "", block, flags=re.M)
            else:
                missing.append(key)
        out.append(block)
    with open(po_path, "w", encoding="utf-8") as handle:
        handle.write("\n\n".join(out))
    for key in missing:
        print("untranslated:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
