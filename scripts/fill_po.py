"""Fill msgstr entries of a .po file from a {msgid: msgstr} dict module; report what is missing.

usage: python scripts/fill_po.py PO_FILE DICT_MODULE.py [--force]
Empty and fuzzy entries are filled (a fuzzy guess is replaced, never kept); with --force every
entry named in the dict is overwritten. Other translations are kept.
"""

import re
import runpy
import sys


def main() -> int:
    po_path, dict_path = sys.argv[1], sys.argv[2]
    force = "--force" in sys.argv[3:]
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
        if msgid and (empty or "#, fuzzy" in block or force):
            key = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            if key in table:
                value = table[key].replace("\\", "\\\\").replace('"', '\\"')
                replacement = f'msgstr "{value}"\n'
                block = re.sub(r'^msgstr ((?:".*"\n?)+)', lambda _m, r=replacement: r, block, flags=re.M)
                block = block.rstrip("\n")
                block = re.sub(r"^#, fuzzy\n", "", block, flags=re.M).replace(", fuzzy", "")
                block = re.sub(r"^#\| .*\n?", "", block, flags=re.M)
            elif not force or empty:
                missing.append(key)
        out.append(block)
    with open(po_path, "w", encoding="utf-8") as handle:
        handle.write("\n\n".join(out))
    for key in missing:
        print("untranslated:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
