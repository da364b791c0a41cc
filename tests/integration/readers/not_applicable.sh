#!/bin/bash
# An external reader that cannot read this map: exit status 3, reason first.
echo "this reader only reads arrays, not a ${MAPSLA_MAP_KIND}" >&2
exit 3
