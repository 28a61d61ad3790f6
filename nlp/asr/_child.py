"""``python -m nlp.asr._child FD``: the transcription worker process (see worker.py)."""

import sys

from nlp.asr.worker import child_main

if __name__ == "__main__":
    sys.exit(child_main())
