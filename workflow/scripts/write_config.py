"""Write an experiment's resolved config as JSON, atomically (temp file + rename).

Run by the `stage_config` rule, once per experiment and stage, and by `report_config` (the whole config). The file holds the experiment's whole
section (`synthetic`, `poems`, ...), since the CLI loads a complete one, but the rule reruns only
when the stage's own settings (its params) change: what the file says outside them is the config as
of the stage's last run, which its outputs were made with. Standard library only, so it runs in any
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
# The report's config (rule report_config, no wildcard) is the whole config; a stage's, its experiment's.
experiment = dict(snakemake.wildcards.items()).get("experiment")
section = snakemake.config if experiment is None else snakemake.config[experiment]
text = json.dumps(section, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
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
