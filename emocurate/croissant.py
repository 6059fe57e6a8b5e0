"""Croissant (MLCommons, v1.0) metadata for a release, so standard dataset tooling can load it.

Each Parquet table is a FileObject with its sha256, each table a RecordSet whose
fields come from the declared schema (types and descriptions), so the metadata
cannot drift from the data contract.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from emocurate import schemas
from emocurate.schemas._fields import describe

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "sc": "https://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def data_type(type_: pa.DataType) -> str:
    """The schema.org type of an Arrow column."""
    if pa.types.is_boolean(type_):
        return "sc:Boolean"
    if pa.types.is_integer(type_):
        return "sc:Integer"
    if pa.types.is_floating(type_):
        return "sc:Float"
    if pa.types.is_timestamp(type_) or pa.types.is_date(type_):
        return "sc:Date"
    return "sc:Text"


def croissant(manifest: dict[str, Any], description: str) -> dict[str, Any]:
    """Croissant JSON-LD for a release manifest."""
    files = []
    record_sets = []
    for name, entry in manifest["tables"].items():
        file_id = f"{name}-parquet"
        files.append(
            {
                "@type": "cr:FileObject",
                "@id": file_id,
                "name": file_id,
                "contentUrl": entry["path"],
                "encodingFormat": "application/x-parquet",
                "sha256": entry["sha256"],
            }
        )
        fields = []
        for f in schemas.schema(name):
            item_type = f.type.value_type if pa.types.is_list(f.type) else f.type
            field: dict[str, Any] = {
                "@type": "cr:Field",
                "@id": f"{name}/{f.name}",
                "name": f.name,
                "description": describe(f),
                "dataType": data_type(item_type),
                "source": {"fileObject": {"@id": file_id}, "extract": {"column": f.name}},
            }
            if pa.types.is_list(f.type):
                field["repeated"] = True
            fields.append(field)
        record_sets.append({"@type": "cr:RecordSet", "@id": name, "name": name, "field": fields})
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": manifest["name"],
        "description": description,
        "version": manifest["version"],
        "citeAs": f"{manifest['name']} (version {manifest['version']}), built with emocurate "
        f"{manifest['code_version']}.",
        "datePublished": manifest["created_at"][:10],
        "license": "Per source: see the `license` column of the sources table.",
        "distribution": files,
        "recordSet": record_sets,
    }
