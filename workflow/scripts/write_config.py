"""Write a step's config file as JSON, atomically (temp file + rename).

Run by the `step_config` rule (one file per experiment and step: the config sections the step reads)
and by `report_config` (the whole config). It writes the rule's `settings` param and nothing else, so
the file is exactly what the rerun trigger "params" compares. Standard library only, so it runs in any
environment (the same steps as seqgan.atomic, which a script run by Snakemake cannot import without
the package installed).
"""

import json
import os
import tempfile
from pathlib import Path

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

out = Path(snakemake.output[0])
out.parent.mkdir(parents=True, exist_ok=True)
text = json.dumps(snakemake.params.settings, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
try:
    with os.fdopen(fd, "w") as f:
        f.write(text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files
    os.replace(tmp, out)
finally:
    if os.path.exists(tmp):
        os.unlink(tmp)
with open(snakemake.log[0], "w") as log:
    log.write(f"wrote {out}\n")
