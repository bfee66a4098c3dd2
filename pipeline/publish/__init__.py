"""Publishing revocation lists to partners: diff, safety gate, atomic writer, manifests, audit.

Invariant: a partner only ever sees complete, verified lists (manifest written last; readers trust a
manifest only when every file's sha256 matches), each list is exactly what the safety gate evaluated
(and, beyond its limits, what a named person approved), and every publish event leaves an immutable
audit record. Diff and gate are pure; the writer and reader are the only code here that does I/O.

The stage layer calls, per run: `writer.gate_input` per partner, `gate.evaluate` over all of them,
writes the `GateResult` as gate.json, records it with `audit.write_gate_record` and calls
`gate.raise_if_blocked`; then, per partner,
`writer.publish_partner_list` with that `GateResult`.
"""

from pipeline.publish.audit import (
    AuditEvent,
    AuditRecord,
    GateRecord,
    read_audit_records,
    read_gate_records,
    write_gate_record,
)
from pipeline.publish.diff import ListDiff, apply_delta, diff_lists
from pipeline.publish.gate import (
    GateBlocked,
    GateInput,
    GateResult,
    PartnerGate,
    active_tenant_count,
    evaluate,
    raise_if_blocked,
)
from pipeline.publish.lists import ListFormat, ListFormatError, from_csv_bytes, tenant_view, to_csv_bytes
from pipeline.publish.manifest import (
    GateStatus,
    Manifest,
    PublishedList,
    PublishedListCorrupt,
    fingerprint,
    last_published,
    published_dates,
    read_published,
)
from pipeline.publish.writer import (
    PublishError,
    PublishMeta,
    PublishResult,
    RepublishRefused,
    gate_input,
    publish_partner_list,
)

__all__ = [
    "AuditEvent",
    "AuditRecord",
    "GateBlocked",
    "GateInput",
    "GateRecord",
    "GateResult",
    "GateStatus",
    "ListDiff",
    "ListFormat",
    "ListFormatError",
    "Manifest",
    "PartnerGate",
    "PublishError",
    "PublishMeta",
    "PublishResult",
    "PublishedList",
    "PublishedListCorrupt",
    "RepublishRefused",
    "active_tenant_count",
    "apply_delta",
    "diff_lists",
    "evaluate",
    "fingerprint",
    "from_csv_bytes",
    "gate_input",
    "last_published",
    "publish_partner_list",
    "published_dates",
    "raise_if_blocked",
    "read_audit_records",
    "read_gate_records",
    "read_published",
    "tenant_view",
    "to_csv_bytes",
    "write_gate_record",
]
