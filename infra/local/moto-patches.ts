/**
 * The `sitecustomize.py` the emulator launcher puts on moto_server's PYTHONPATH: it makes every request
 * atomic (see emulator.ts) and removes costs of moto 5.2 that a 1M-row import on the local stack runs into
 * — some grow with the data moto holds, some are paid again on every request:
 *
 * - `module-list`: every request looked up its service in a fresh listing of moto's package directory
 *   (a listdir and ~80 stats, inside the server's global lock). The listing is read once.
 * - `request-dispatch`: every request converted its action name and listed its handler class's methods
 *   with `inspect.getmembers`; both are pure functions of a string and of a class, now cached.
 * - `sqs-clock`: SQS decides whether each message is visible or delayed with `unix_time_millis()`, which
 *   builds two datetimes per call; sends, receives, deletes and queue-attribute reads walk every message
 *   of the queue with it, so each request slowed down with the queue's depth. `moto.sqs.models` gets a
 *   clock read from `time.time()` (the same value, without the datetimes).
 * - `sqs-fifo-send`: a send computed all the queue's attributes (three walks over every message) three or
 *   four times, only to read `ContentBasedDeduplication`. A send now reads that one attribute; the
 *   deduplication check itself is moto's.
 * - `expression-traversal`: each of the ten passes over an update expression's syntax tree rebuilt, at
 *   every node, the tuple of node classes it processes; that tuple is fixed per pass class and now cached.
 * - `dynamodb-transactions`: TransactWriteItems deep-copied every table it touched to be able to roll back
 *   (about 20 transactions a second at 4,000 items, slower as the table grows). moto's transaction logic
 *   is kept; a cancelled transaction is rolled back by restoring copies of the items it touches.
 *
 * The patches reach into moto's internals, which are not an API: they are applied only to moto 5.2.x, each
 * after checking that the internal it replaces is there; otherwise moto runs unpatched (or with the
 * patches applied so far) and the patches' line on its stderr says why. That line names what was applied
 * and moto's version; `startEmulator` reads it (`Emulator.patches`). `CONTACT_IMPORT_MOTO_PATCHES=off`
 * turns them off (to compare, or to rule them out).
 *
 * `CONTACT_IMPORT_MOTO_PROFILE=<file>` (a diagnostic, off by default) profiles every request's CPU time
 * with cProfile and writes the merged statistics to `<file>` and the calls, wall and CPU seconds per API
 * action to `<file>.actions.txt` whenever moto_server receives SIGUSR1 and when it exits normally.
 */
export const MOTO_SITECUSTOMIZE = String.raw`"""contact-import: moto_server patches for the local stack (written by infra/local/moto-patches.ts)."""
import os
import sys

# Each request is atomic: a request thread yields the interpreter only at I/O (see infra/local/emulator.ts).
sys.setswitchinterval(1.0)

SUPPORTED_MOTO = "5.2."
MARKER = "contact-import moto patches:"


def _patch_sqs_clock(sqs_models):
    import time

    for name in ("unix_time", "unix_time_millis"):
        if not callable(getattr(sqs_models, name, None)):
            raise LookupError("moto.sqs.models." + name)
    sqs_models.unix_time = lambda dt=None: time.time() if dt is None else _unix_time(dt)
    sqs_models.unix_time_millis = lambda dt=None: time.time() * 1000.0 if dt is None else _unix_time(dt) * 1000.0


def _unix_time(dt):
    from moto.core.utils import unix_time

    return unix_time(dt)


def _patch_sqs_fifo_send(sqs_models):
    import inspect
    import re
    import threading

    queue, backend = sqs_models.Queue, sqs_models.SQSBackend
    full = queue.__dict__.get("attributes")
    if not isinstance(full, property):
        raise LookupError("Queue.attributes is not a property")
    # A send reads one attribute, three or four times, through the property that computes them all.
    sends = ("send_message", "send_message_batch")
    for method in (backend.send_message, backend.send_message_batch, backend._validate_message, queue.add_message):
        source = inspect.getsource(method)
        reads = re.findall(r"attributes\.get\(\"(\w+)\"\)", source)
        if source.count(".attributes") != len(reads) or set(reads) - {"ContentBasedDeduplication"}:
            raise LookupError(method.__qualname__ + " reads queue attributes other than ContentBasedDeduplication")
    sending = threading.local()

    def attributes(self):
        if getattr(sending, "depth", 0) > 0:
            value = getattr(self, "content_based_deduplication", False)
            return {"ContentBasedDeduplication": str(value).lower() if isinstance(value, bool) else value}
        return full.fget(self)

    def cheap_while(original):
        def send(self, *args, **kwargs):
            sending.depth = getattr(sending, "depth", 0) + 1
            try:
                return original(self, *args, **kwargs)
            finally:
                sending.depth -= 1

        return send

    queue.attributes = property(attributes)
    for name in sends:
        setattr(backend, name, cheap_while(getattr(backend, name)))


def _patch_module_list():
    import moto.backends as backends

    listing = getattr(backends, "list_of_moto_modules", None)
    if not callable(listing):
        raise LookupError("moto.backends.list_of_moto_modules")
    modules = tuple(listing())
    backends.list_of_moto_modules = lambda: iter(modules)


def _patch_request_dispatch():
    import functools

    import moto.core.responses as responses
    import moto.core.utils as utils

    for module, name in ((utils, "camelcase_to_underscores"), (responses, "method_names_from_class")):
        if not callable(getattr(module, name, None)):
            raise LookupError(module.__name__ + "." + name)
    # Pure functions of a string and of a class, called on every request (inspect.getmembers each time).
    utils.camelcase_to_underscores = functools.lru_cache(maxsize=8192)(utils.camelcase_to_underscores)
    responses.camelcase_to_underscores = utils.camelcase_to_underscores
    method_names = functools.lru_cache(maxsize=1024)(responses.method_names_from_class)
    responses.method_names_from_class = lambda clazz: method_names(clazz)


def _patch_expression_traversal():
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser

    if not callable(getattr(DepthFirstTraverser, "nodes_to_be_processed", None)):
        raise LookupError("DepthFirstTraverser.nodes_to_be_processed")
    by_class = {}

    # The node classes a traverser processes are the keys of its class's processing map: fixed per class.
    def nodes_to_be_processed(self):
        cls = type(self)
        found = by_class.get(cls)
        if found is None:
            found = by_class[cls] = tuple(self._processing_map().keys())
        return found

    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed


def _patch_dynamodb_transactions():
    import copy
    import threading

    import moto.dynamodb.models as ddb
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    backend = ddb.DynamoDBBackend
    if not hasattr(backend, "transact_write_items") or getattr(ddb, "copy", None) is not copy:
        raise LookupError("DynamoDBBackend.transact_write_items or moto.dynamodb.models.copy")
    original = backend.transact_write_items
    state = threading.local()

    class _TableCopySkipped:
        """moto.dynamodb.models' copy module, except that a transaction's table snapshot is the table itself."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            if getattr(state, "active", False) and isinstance(value, Table):
                return value
            return copy.deepcopy(value, memo)

    def key_of(table, op):
        source = op.get("Key") if "Key" in op else op.get("Item")
        if not isinstance(source, dict) or table.hash_key_attr not in source:
            return None
        hash_value = DynamoType(source[table.hash_key_attr])
        range_value = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in source:
                return None
            range_value = DynamoType(source[table.range_key_attr])
        return hash_value, range_value

    def transact_write_items(self, transact_items):
        snapshots = []
        for entry in transact_items:
            for op in entry.values():
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                key = key_of(table, op) if table is not None else None
                if key is None:
                    continue
                hash_value, range_value = key
                had_hash = hash_value in table.items
                current = table.get_item(hash_value, range_value) if had_hash else None
                snapshots.append((table, hash_value, range_value, had_hash, copy.deepcopy(current)))
        state.active = True
        try:
            return original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, had_hash, item in reversed(snapshots):
                restore(table, hash_value, range_value, had_hash, item)
            raise
        finally:
            state.active = False

    def restore(table, hash_value, range_value, had_hash, item):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
            return
        if item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
            if not had_hash and not table.items.get(hash_value, True):
                table.items.pop(hash_value, None)
        else:
            table.items[hash_value][range_value] = item

    ddb.copy = _TableCopySkipped()
    backend.transact_write_items = transact_write_items


def _install_profiler(path):
    import cProfile
    import pstats
    import signal
    import threading
    import time
    import atexit

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lock = threading.Lock()
    merged = {"stats": None, "actions": {}}
    original = DomainDispatcherApplication.__call__

    def action_of(environ):
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.split(".")[-1]
        query = environ.get("QUERY_STRING", "")
        for part in query.split("&"):
            if part.startswith("Action="):
                return part[7:]
        path = environ.get("PATH_INFO", "")
        suffix = "?" + query.split("=")[0] if query else ""
        return environ.get("REQUEST_METHOD", "?") + " s3 " + ("object" if path.count("/") > 1 else "bucket") + suffix

    def call(self, environ, start_response):
        profile = cProfile.Profile(time.thread_time)
        started = time.perf_counter()
        cpu = time.thread_time()
        profile.enable()
        try:
            return original(self, environ, start_response)
        finally:
            profile.disable()
            seconds = time.perf_counter() - started
            cpu_seconds = time.thread_time() - cpu
            name = action_of(environ)
            with lock:
                count, total, total_cpu = merged["actions"].get(name, (0, 0.0, 0.0))
                merged["actions"][name] = (count + 1, total + seconds, total_cpu + cpu_seconds)
                if merged["stats"] is None:
                    merged["stats"] = pstats.Stats(profile)
                else:
                    merged["stats"].add(profile)

    def dump(*_):
        with lock:
            if merged["stats"] is not None:
                merged["stats"].dump_stats(path)
            rows = sorted(merged["actions"].items(), key=lambda kv: -kv[1][2])
            with open(path + ".actions.txt", "w") as out:
                out.write("action\tcalls\twall s\tcpu s\tcpu ms a call\n")
                for name, (count, total, cpu) in rows:
                    out.write(f"{name}\t{count}\t{total:.3f}\t{cpu:.3f}\t{1000 * cpu / count:.2f}\n")

    DomainDispatcherApplication.__call__ = call
    signal.signal(signal.SIGUSR1, dump)
    atexit.register(dump)


def _apply():
    """What was patched, then the moto version in brackets, e.g. "sqs-clock,dynamodb-transactions (moto 5.2.1)"."""
    try:
        import moto
    except ImportError:
        return "none (moto is not importable)"
    version = getattr(moto, "__version__", "?")
    if os.environ.get("CONTACT_IMPORT_MOTO_PATCHES") == "off":
        return f"none (moto {version}; CONTACT_IMPORT_MOTO_PATCHES=off)"
    if not version.startswith(SUPPORTED_MOTO):
        return f"none (moto {version} is not {SUPPORTED_MOTO}x; running unpatched)"
    applied = []
    try:
        _patch_module_list()
        applied.append("module-list")
        _patch_request_dispatch()
        applied.append("request-dispatch")
        import moto.sqs.models as sqs_models

        _patch_sqs_clock(sqs_models)
        applied.append("sqs-clock")
        _patch_sqs_fifo_send(sqs_models)
        applied.append("sqs-fifo-send")
        _patch_expression_traversal()
        applied.append("expression-traversal")
        _patch_dynamodb_transactions()
        applied.append("dynamodb-transactions")
    except Exception as err:  # internals differ from what the patches expect: say so, run with what applied
        return f"{','.join(applied) or 'none'} (moto {version}: {type(err).__name__}: {err}; the rest unpatched)"
    return f"{','.join(applied)} (moto {version})"


_profile = os.environ.get("CONTACT_IMPORT_MOTO_PROFILE")
sys.stderr.write(f"{MARKER} {_apply()}\n")
if _profile:
    _install_profiler(_profile)
sys.stderr.flush()
`;
