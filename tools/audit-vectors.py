#!/usr/bin/env python3
"""Independent reference for Mien's audit chain encoding (Mien.Privacy.Audit.AuditChain, SubjectRef).

Prints the genesis hash, the hash of one entry and one subject reference for fixed inputs; the values are pinned in
tests/Mien.Privacy.Tests/AuditChainTests.cs. Written from the format described in AuditChain's remarks, not from the C#.
"""
import hashlib, hmac, struct, uuid, datetime

project = uuid.UUID("0195f3a2-7c41-7b3e-9a10-4d2c8e6f5a01")
genesis = hashlib.sha256(b"mien-audit-genesis-v1" + project.bytes).hexdigest()

def s(v: str) -> bytes:
    b = v.encode("utf-8")
    return struct.pack(">I", len(b)) + b

def opt(v):
    return b"\x00" if v is None else b"\x01" + s(v)

at = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.timezone.utc)
micros = (at - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)
entry = (b"\x01" + struct.pack(">q", 1) + struct.pack(">q", micros) + project.bytes
         + s("key:0195f3a2-7c41-7b3e-9a10-4d2c8e6f5a02") + s("results.read") + s("200")
         + opt("00112233445566778899aabbccddeeff") + opt(None) + s('{"route":"/frames","n":1,"é":"ü"}'))
print("genesis", genesis)
print("entry1 ", hashlib.sha256(bytes.fromhex(genesis) + entry).hexdigest())

salt = bytes(range(32))
subject = uuid.UUID("0195f3a2-7c41-7b3e-9a10-4d2c8e6f5a03")
print("ref    ", hmac.new(salt, subject.bytes, hashlib.sha256).hexdigest()[:32])
