"""The pprof ``Profile`` message, declared in Python from the format's public field list.

pprof profiles are protocol buffers (proto3). The message classes are built at import time from
a ``FileDescriptorProto`` made here, so no ``.proto`` file or ``protoc`` is needed. Field numbers
and types follow the published format; every id and string index is checked by the importer.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_INT64, _UINT64, _BOOL, _STRING, _MESSAGE = (
    _F.TYPE_INT64,
    _F.TYPE_UINT64,
    _F.TYPE_BOOL,
    _F.TYPE_STRING,
    _F.TYPE_MESSAGE,
)
PACKAGE = "flamekit.pprof"

# message name -> fields (name, number, type, repeated, message type)
MESSAGES: dict[str, tuple[tuple[str, int, int, bool, str], ...]] = {
    "Profile": (
        ("sample_type", 1, _MESSAGE, True, "ValueType"),
        ("sample", 2, _MESSAGE, True, "Sample"),
        ("mapping", 3, _MESSAGE, True, "Mapping"),
        ("location", 4, _MESSAGE, True, "Location"),
        ("function", 5, _MESSAGE, True, "Function"),
        ("string_table", 6, _STRING, True, ""),
        ("drop_frames", 7, _INT64, False, ""),
        ("keep_frames", 8, _INT64, False, ""),
        ("time_nanos", 9, _INT64, False, ""),
        ("duration_nanos", 10, _INT64, False, ""),
        ("period_type", 11, _MESSAGE, False, "ValueType"),
        ("period", 12, _INT64, False, ""),
        ("comment", 13, _INT64, True, ""),
        ("default_sample_type", 14, _INT64, False, ""),
        ("doc_url", 15, _INT64, False, ""),
    ),
    "ValueType": (("type", 1, _INT64, False, ""), ("unit", 2, _INT64, False, "")),
    "Sample": (
        ("location_id", 1, _UINT64, True, ""),
        ("value", 2, _INT64, True, ""),
        ("label", 3, _MESSAGE, True, "Label"),
    ),
    "Label": (
        ("key", 1, _INT64, False, ""),
        ("str", 2, _INT64, False, ""),
        ("num", 3, _INT64, False, ""),
        ("num_unit", 4, _INT64, False, ""),
    ),
    "Mapping": (
        ("id", 1, _UINT64, False, ""),
        ("memory_start", 2, _UINT64, False, ""),
        ("memory_limit", 3, _UINT64, False, ""),
        ("file_offset", 4, _UINT64, False, ""),
        ("filename", 5, _INT64, False, ""),
        ("build_id", 6, _INT64, False, ""),
        ("has_functions", 7, _BOOL, False, ""),
        ("has_filenames", 8, _BOOL, False, ""),
        ("has_line_numbers", 9, _BOOL, False, ""),
        ("has_inline_frames", 10, _BOOL, False, ""),
    ),
    "Location": (
        ("id", 1, _UINT64, False, ""),
        ("mapping_id", 2, _UINT64, False, ""),
        ("address", 3, _UINT64, False, ""),
        ("line", 4, _MESSAGE, True, "Line"),
        ("is_folded", 5, _BOOL, False, ""),
    ),
    "Line": (
        ("function_id", 1, _UINT64, False, ""),
        ("line", 2, _INT64, False, ""),
        ("column", 3, _INT64, False, ""),
    ),
    "Function": (
        ("id", 1, _UINT64, False, ""),
        ("name", 2, _INT64, False, ""),
        ("system_name", 3, _INT64, False, ""),
        ("filename", 4, _INT64, False, ""),
        ("start_line", 5, _INT64, False, ""),
    ),
}


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto(
        name="flamekit/pprof_profile.proto", package=PACKAGE, syntax="proto3"
    )
    for message, fields in MESSAGES.items():
        _add_message(fdp, message, fields)
    # The same Profile with its samples left as bytes, for the samples' bulk decoder.
    raw = tuple(
        ("sample", 2, _F.TYPE_BYTES, True, "") if f[0] == "sample" else f
        for f in MESSAGES["Profile"]
    )
    _add_message(fdp, "RawSamplesProfile", raw)
    return fdp


def _add_message(fdp, message: str, fields) -> None:
    msg = fdp.message_type.add(name=message)
    for name, number, ftype, repeated, type_name in fields:
        field = msg.field.add(
            name=name,
            number=number,
            type=ftype,
            label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
        )
        if type_name:
            field.type_name = f".{PACKAGE}.{type_name}"


def _classes() -> dict[str, type]:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_file_descriptor())
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
        for name in (*MESSAGES, "RawSamplesProfile")
    }


_CLASSES = _classes()
ProfileMessage = _CLASSES["Profile"]
SampleMessage = _CLASSES["Sample"]
LabelMessage = _CLASSES["Label"]
RawSamplesProfileMessage = _CLASSES["RawSamplesProfile"]  # samples as serialized bytes
