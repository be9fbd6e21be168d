#!/usr/bin/env python3
"""Generates gb1.bin, the Adobe-GB1 CID -> Unicode table used by src/input/pdf/cmap.rs.

Input: poppler-data's /usr/share/poppler/cidToUnicode/Adobe-GB1 (Debian package `poppler-data`),
which is Adobe's BSD-licensed CMap resource data (Copyright 1990-2018 Adobe Systems Incorporated;
see ATTRIBUTION.md beside this script). That file has one line per CID, starting at CID 0, holding
the Unicode scalar in hex (0 when the CID has none).

Output: one big-endian u16 per CID, in CID order; 0 means "no mapping". The few CIDs that map to a
code point outside the BMP or to several code points are written as 0 (none of them is a character
a notice uses).

Usage: python3 make_gb1.py [/usr/share/poppler/cidToUnicode/Adobe-GB1] > gb1.bin
"""
import struct
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/poppler/cidToUnicode/Adobe-GB1"
out = bytearray()
with open(source, encoding="ascii") as f:
    for line in f:
        text = line.strip()
        value = int(text, 16) if text and len(text) <= 4 else 0
        out += struct.pack(">H", value)
sys.stdout.buffer.write(out)
