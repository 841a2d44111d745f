"""Helpers of the differential suite (issue 11): `inductiva.storage` against ours, call by call.

A *case* is a seed function, its arguments and a starting remote state. For each case the
same call runs once through the reference client (`inductiva[aws]==0.18.12`, unmodified, in
its own venv) and once through `inductiva_widgets.storage` (in `.venv`), each from its own
freshly written copy of the state, and these fields are compared:

    return             the return value, made JSON-able with its Python type names kept
    exception.class    the raised exception's class name and the names of its MRO
    exception.str      its `str()`
    exception.status   its `.status` attribute (the reference's ApiException has one)
    stdout             what the call printed
    stderr.text        what it wrote to stderr, without progress bars
    stderr.progress    the final state of each tqdm bar: description, %, n/total, unit
    local              every file written under the case's working folder (path, sha256,
                       size) and, for the one case that writes there, under /datasets
    remote             every file and empty folder of the user's storage on the server's
                       disk afterwards (path, sha256, size)
    operations         the user's storage operations (exports) afterwards
    s3                 the objects and pending multipart uploads of the case's S3 bucket

A subset also runs inside a real IPython kernel (one kernel per client, `jupyter_client`),
where the streams, display_data/execute_result (mime types and text/plain) and errors the
kernel shows are compared as `kernel.*` fields.

How the calls run. Each client runs every case in ONE subprocess (the reference's import
alone takes ~2 s), from the same script template, which differs only in the client block
(`from inductiva import storage` or `import inductiva_widgets.storage as storage`, and how a
key is switched). Cases stay independent: every case and client gets its own API key, hence
its own user folder on the server, written from scratch before anything runs, its own working
folder, and its own S3 bucket. The script switches key and working folder per case and
redirects file descriptors 1 and 2 to files around each call, so stdout and stderr are
not TTYs for either client, and per-case output is exact. A per-case alarm bounds each call;
a batch that dies is resumed after the case that was running (recorded as crashed).
Functions that `inductiva.storage` does not re-export (get_file_range, export_to_aws_s3,
multipart_upload, ZipFileRange) are taken from `inductiva.storage.storage`, the module the
seed reference documents.

Normalisation (`normalise_text`, applied to every string of both records):
  - per-run values become placeholders: the case folder -> <CASE>, the client's HOME ->
    <HOME>, the server's URL -> <API>, moto's URL -> <S3>, the page server's URL -> <WEB>,
    API keys -> <KEY>, user folder ids -> <USER>, bucket names -> <BUCKET>, operation ids
    -> <OP>;
  - the query of a signed URL (our server's `signature=`, S3's `X-Amz-Signature=`) -> ?<signed>;
  - HTTP dates (`Date:` headers inside exception texts) -> <http-date>; ISO timestamps within
    a day of the run -> <now> (the starting states have fixed times in 2024, compared as is);
  - object addresses `0x7f..` -> 0x<addr>;
  - on stderr, tqdm bars are parsed out of the carriage-return redraws: only each bar's final
    state is kept (description, percentage, n/total, unit), not elapsed time, ETA or rate;
  - in the kernel, the reference's handler for API errors prints a frame list
    (`  - file line N, in f`); those lines are dropped.

Intended differences live in ONE registry, `INTENDED` in `registry.py`, each with its reason; the
README section "Differences from inductiva.storage" must list the same names. Any other
difference fails the case's test with a readable diff.
"""

from __future__ import annotations

from .cases import DEST, IN, PREP, WEB, Case
from .common import CLIENTS, REPO
from .interpreters import Slot, ref_python
from .registry import INTENDED, compare, report
from .run import run_suite
from .snapshots import normalise_text, split_progress
from .states import BASE

__all__ = [
    "BASE", "CLIENTS", "Case", "DEST", "IN", "INTENDED", "PREP", "REPO", "Slot", "WEB",
    "compare", "normalise_text", "ref_python", "report", "run_suite", "split_progress",
]
