"""The script template both clients run, one subprocess per client and batch."""

from __future__ import annotations

from .common import CASE_TIMEOUT_S

REF_BLOCK = '''
from inductiva import storage
import inductiva
import inductiva.client
from inductiva.storage import storage as _seed_module


def use_key(key):
    os.environ["INDUCTIVA_API_KEY"] = key
    inductiva.set_api_key(key)


def make_api():
    return inductiva.client.StorageApi(inductiva.api.get_client())


def fetch_operation(api, operation_id):
    return api.get_operation(operation_id=operation_id)
'''

OURS_BLOCK = '''
import inductiva_widgets.storage as storage
_seed_module = storage


def use_key(key):
    os.environ["INDUCTIVA_API_KEY"] = key
    storage.set_default_client(None)


def make_api():
    return storage.default_client()


def fetch_operation(api, operation_id):
    return api.get_operation(operation_id)
'''

TEMPLATE = '''
import socket
socket.setdefaulttimeout(20)
import dataclasses, datetime, enum, json, os, pathlib, signal, sys, time
{client_block}

def seed(name):
    found = getattr(storage, name, None)
    return found if found is not None else getattr(_seed_module, name)


def _op(op_id):
    return seed("StorageOperation")(make_api(), op_id)


def _refresh_then_wait(op_id, poll_s=2):
    op = _op(op_id)
    op._refresh()
    return op.wait(poll_s=poll_s)


def _from_api_response(op_id):
    api = make_api()
    return seed("StorageOperation").from_api_response(api, fetch_operation(api, op_id))


RECIPES = {{
    "StorageOperation.wait": lambda op_id, poll_s=2: _op(op_id).wait(poll_s=poll_s),
    "StorageOperation._refresh+wait": _refresh_then_wait,
    "StorageOperation.from_api_response": _from_api_response,
    "ExportDestination.members": lambda: [(m.name, m.value, str(m))
                                          for m in seed("ExportDestination")],
}}


def resolve(value, ctx):
    if isinstance(value, list):
        return [resolve(v, ctx) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (k, v), = value.items()
            if k == "$in":
                return os.path.join(ctx["in"], v)
            if k == "$prep":
                return ctx["prep"][v]
            if k == "$web":
                return ctx["web"] + v
            if k == "$dest":
                return seed("ExportDestination")[v]
        return {{k: resolve(v, ctx) for k, v in value.items()}}
    return value


def run_call(case):
    fn = RECIPES.get(case["fn"]) or seed(case["fn"])
    return fn(*resolve(case["args"], case), **resolve(case["kwargs"], case))


def qualname(cls):
    return cls.__qualname__


SEED_PRIVATE = ("_status", "_error_message")


def jsonable(v, depth=0):
    if depth > 12:
        return {{"__repr__": qualname(type(v)), "repr": repr(v)[:300]}}
    d = depth + 1
    if isinstance(v, enum.Enum):
        return {{"__enum__": qualname(type(v)), "name": v.name, "value": jsonable(v.value, d)}}
    if v is None or type(v) in (bool, int, float, str):
        return v
    if isinstance(v, (bool, int, float, str)):
        return {{"__type__": qualname(type(v)), "value": jsonable(type(v).__mro__[1](v), d)}}
    if isinstance(v, datetime.datetime):
        return {{"__datetime__": v.isoformat(),
                "tzinfo": None if v.tzinfo is None else qualname(type(v.tzinfo))}}
    if isinstance(v, pathlib.PurePath):
        return {{"__path__": type(v).__name__, "value": str(v)}}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {{"__dataclass__": qualname(type(v)),
                "fields": {{f.name: jsonable(getattr(v, f.name), d)
                           for f in dataclasses.fields(v)}}}}
    if type(v) is dict:
        return {{str(k): jsonable(x, d) for k, x in v.items()}}
    if type(v) is list:
        return [jsonable(x, d) for x in v]
    if type(v) is tuple:
        return {{"__tuple__": [jsonable(x, d) for x in v]}}
    if isinstance(v, BaseException):
        return exception_record(v)
    if hasattr(v, "model_dump"):
        return {{"__model__": qualname(type(v)), "fields": jsonable(v.model_dump(), d)}}
    if isinstance(v, (list, tuple, dict, set, frozenset)):
        items = list(v.items()) if isinstance(v, dict) else list(v)
        return {{"__type__": qualname(type(v)), "items": jsonable(items, d)}}
    try:
        attrs = vars(v)
    except TypeError:
        return {{"__repr__": qualname(type(v)), "repr": repr(v)[:300]}}
    shown = {{k: jsonable(x, d) for k, x in attrs.items()
             if not k.startswith("_") or k in SEED_PRIVATE}}
    for k in SEED_PRIVATE:
        if hasattr(type(v), "wait") and k not in attrs:
            shown[k] = "<missing>"
    return {{"__object__": qualname(type(v)), "attrs": shown}}


def exception_record(exc):
    try:
        status = getattr(exc, "status", None)
    except Exception:
        status = "<error>"
    return {{"class": qualname(type(exc)), "module": type(exc).__module__,
            "mro": [qualname(c) for c in type(exc).__mro__],
            "str": str(exc)[:3000], "status": jsonable(status)}}


class CaseTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise CaseTimeout(f"the call did not return within {{ALARM_S}} s")


ALARM_S = {alarm_s}


def run_one(case, out_path, err_path):
    record = {{"id": case["id"], "returned": False, "return": None, "exception": None,
              "timeout": False}}
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        started = time.monotonic()
        signal.alarm(ALARM_S)
        try:
            value = run_call(case)
            record["returned"] = True
            record["return"] = jsonable(value)
        except CaseTimeout as exc:
            record["timeout"] = True
            record["exception"] = exception_record(exc)
        except Exception as exc:
            record["exception"] = exception_record(exc)
        finally:
            signal.alarm(0)
            record["seconds"] = round(time.monotonic() - started, 3)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    # Bytes, decoded: read_text() would turn tqdm's carriage returns into newlines.
    record["stdout"] = pathlib.Path(out_path).read_bytes().decode("utf-8", "replace")
    record["stderr"] = pathlib.Path(err_path).read_bytes().decode("utf-8", "replace")
    return record


def run_batch(cases_path, results_path):
    cases = json.loads(pathlib.Path(cases_path).read_text())
    done = set()
    if os.path.exists(results_path):
        for line in pathlib.Path(results_path).read_text().splitlines():
            entry = json.loads(line)
            done.add(entry.get("id") or entry.get("start"))
    signal.signal(signal.SIGALRM, _alarm)
    with open(results_path, "a", encoding="utf-8") as results:
        for case in cases:
            if case["id"] in done:
                continue
            results.write(json.dumps({{"start": case["id"]}}) + "\\n")
            results.flush()
            use_key(case["key"])
            os.chdir(case["cwd"])
            record = run_one(case, case["out"], case["err"])
            results.write(json.dumps(record) + "\\n")
            results.flush()


if __name__ == "__main__" and os.environ.get("DIFF_CASES"):
    run_batch(os.environ["DIFF_CASES"], os.environ["DIFF_RESULTS"])
'''


def script_for(client: str) -> str:
    block = REF_BLOCK if client == "ref" else OURS_BLOCK
    return TEMPLATE.format(client_block=block, alarm_s=CASE_TIMEOUT_S)


