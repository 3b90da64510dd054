"""``python -m glassgrad.tune.worker``: one worker process of ``glassgrad tune --workers K``.

It reads its job (the config, study name, output folder, storage URL and total) as JSON on
stdin, joins the study and runs trials until the total is reached; see ``config_search``.
"""

import json
import sys

from .config_search import worker_main

if __name__ == "__main__":
    sys.exit(worker_main(json.load(sys.stdin)))
