"""How the gateway's cost grows with prompt length and conversation length, plus streaming time
to first byte, memory after warm-up and start-up time. One run, real processes, real HTTP.

Starts the fake OpenAI-compatible upstream (tests/e2e/fake_upstream.py) and ``gardefou serve``
with full guardrails (every recognizer, the default policy's classifier with quotas off, usage
recording; the upstream model is declared self-hosted, as in compare_litellm.sh, since
social-work notes hold child-protection data), then sends requests one at a time (concurrency
1), each followed by the same body sent straight to the upstream. Gateway CPU is read from
/proc/<pid>/stat (utime + stime of the gateway process tree, 10 ms ticks, so only means over
several requests are meaningful).
Prints Markdown tables, writes bench/results/scaling.json, asserts nothing.

    .venv/bin/python bench/scaling.py            # < 5 minutes
    .venv/bin/python bench/scaling.py --quick    # < 2 minutes, fewer samples

Text is generated French social-work notes (names, phones, dates, addresses, CAF numbers)
drawn at random per request, so the analysis cache can only answer for messages sent before.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import error_code, write_unlimited_policy  # noqa: E402
from gateway.auth import FileKeyStore, mint_key  # noqa: E402
from gateway.types import Role  # noqa: E402
from tests.conftest import Server, free_port, start_server  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROMPT_KB = (1, 2, 4, 8, 16, 32)
TURNS = (1, 5, 10, 20, 40)
MESSAGE_CHARS = 400

# ----------------------------------------------------------------------------- generated text
FIRST = ("Fatou", "Kevin", "Nadia", "Jean-Pierre", "Aïcha", "Mehdi", "Sophie", "Ioana", "Moussa",
         "Laetitia", "Karim", "Chantal", "Yasmine", "Dylan", "Mariam", "Grégory", "Inès", "Bogdan")
LAST = ("Diallo", "Martin", "Benali", "Lefebvre", "Traoré", "Nguyen", "Dubois", "Popescu",
        "Haddad", "Moreau", "Camara", "Girard", "Kaya", "Rousseau", "Mendy", "Fontaine")
STREETS = ("rue des Lilas", "avenue Jean Jaurès", "impasse du Moulin", "boulevard Gambetta",
           "allée des Tilleuls", "rue Victor Hugo", "chemin de la Croix", "place de la Mairie")
CITIES = (("93200", "Saint-Denis"), ("59100", "Roubaix"), ("69008", "Lyon"), ("13015", "Marseille"),
          ("35000", "Rennes"), ("31200", "Toulouse"), ("67100", "Strasbourg"), ("44000", "Nantes"))
TEMPLATES = (
    ("Entretien du {date} avec {civ} {first} {LAST}, né{e} le {dob}, domicilié{e} {num} {street}, "
     "{cp} {city}."),
    ("{first} indique que son fils {child} ({age} ans) est scolarisé à l'école {street2} et que "
     "les relations avec l'enseignante se sont apaisées depuis la rentrée."),
    "{civ} {LAST} est joignable au {phone} ou par mail à {mail}.",
    ("Le bailleur a adressé un courrier le {date} concernant un retard de loyer de {amount} euros ; "
     "un plan d'apurement a été proposé."),
    "Numéro allocataire CAF : {caf}. Le dossier de renouvellement a été déposé le {date}.",
    "Nous avons convenu d'un nouveau rendez-vous le {date} à {hour} h au centre social de {city}.",
    ("{civ} {LAST} évoque des tensions avec son ex-conjoint, M. {first2} {LAST2}, qui habite "
     "{num} {street2}, {city2}."),
    "La référente ASE, Mme {LAST3}, a été informée par téléphone au {phone2} le {date}.",
    ("{first} souhaite reprendre une formation et un rendez-vous est prévu avec sa conseillère "
     "France Travail, Mme {LAST3}, le {date}."),
    ("{first} a participé à l'atelier cuisine du centre social le {date} ; {civ2} {LAST2}, "
     "animatrice à {city2}, la trouve plus à l'aise avec les autres parents."),
)
ASK = "Peux-tu mettre au propre mes notes d'entretien ci-dessous, en paragraphes ?"
ANSWER = "Voici une proposition de compte rendu, à relire avant de l'intégrer au dossier : "


def _day(rng: random.Random, start: int, end: int) -> str:
    return date.fromordinal(rng.randint(date(start, 1, 1).toordinal(), date(end, 12, 28).toordinal())).strftime("%d/%m/%Y")


def sentence(rng: random.Random) -> str:
    """One sentence of a social-work note, every identifier drawn at random."""
    woman = rng.random() < 0.6
    (cp, city), (_, city2) = rng.sample(CITIES, 2)
    return rng.choice(TEMPLATES).format(
        date=_day(rng, 2025, 2026), dob=_day(rng, 1960, 2004), civ="Mme" if woman else "M.",
        civ2=rng.choice(("Mme", "M.")), e="e" if woman else "", first=rng.choice(FIRST),
        first2=rng.choice(FIRST), LAST=rng.choice(LAST).upper(), LAST2=rng.choice(LAST),
        LAST3=rng.choice(LAST), num=rng.randint(1, 140), street=rng.choice(STREETS),
        street2=rng.choice(STREETS), cp=cp, city=city, city2=city2, child=rng.choice(FIRST),
        age=rng.randint(3, 16), phone=_phone(rng), phone2=_phone(rng),
        mail=f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{rng.randint(1, 99)}@exemple.fr",
        amount=rng.randint(120, 2400), caf=rng.randint(1_000_000, 9_999_999), hour=rng.randint(9, 17))


def _phone(rng: random.Random) -> str:
    return "0" + str(rng.choice((1, 6, 7))) + "".join(f" {rng.randint(0, 99):02d}" for _ in range(4))


def text_of(rng: random.Random, n_bytes: int, lead: str = "") -> str:
    """Sentences until the UTF-8 text reaches ``n_bytes``."""
    parts = [lead] if lead else []
    while len(" ".join(parts).encode()) < n_bytes:
        parts.append(sentence(rng))
    return " ".join(parts)


# ----------------------------------------------------------------------------- process accounting
def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return total / CLK_TCK


def proc_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn may fork workers)."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        todo.extend(kids.get(out[-1], []))
    return out


def memory_mib(pids: list[int]) -> dict[str, float]:
    """Summed over ``pids``: RSS and peak RSS (pages shared by forked processes counted in
    each), and PSS (each shared page divided among its sharers: the memory really used)."""
    rss = hwm = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {"rss_mib": rss / 1024, "hwm_mib": hwm / 1024, "pss_mib": pss / 1024}


# ----------------------------------------------------------------------------- measurement
@dataclass
class Target:
    client: httpx.Client
    gateway: str
    direct: str
    headers: dict[str, str]
    pids: list[int]


@dataclass
class Cell:
    gw_ms: list[float]
    direct_ms: list[float]
    cpu_ms: float = 0.0
    errors: int = 0

    def row(self) -> dict[str, float]:
        n = len(self.gw_ms)
        return {"n": n, "errors": self.errors, "p50": pct(self.gw_ms, .5), "p95": pct(self.gw_ms, .95),
                "direct_p50": pct(self.direct_ms, .5), "added_p50": pct(self.gw_ms, .5) - pct(self.direct_ms, .5),
                "added_p95": pct(self.gw_ms, .95) - pct(self.direct_ms, .95),
                "cpu_ms": self.cpu_ms / n if n else float("nan")}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def post_ms(client: httpx.Client, url: str, headers: dict[str, str], body: dict) -> tuple[float, int, str]:
    started = time.perf_counter()
    response = client.post(url, headers=headers, json=body)
    return (time.perf_counter() - started) * 1000, response.status_code, response.text[:200]


def step(t: Target, cell: Cell, body: dict) -> None:
    """Gateway then direct with the same body; gateway CPU read around both, so work the gateway
    finishes after answering (usage recording) is counted too."""
    cpu0 = cpu_seconds(t.pids)
    gw, status, text = post_ms(t.client, t.gateway, t.headers, body)
    direct, _, _ = post_ms(t.client, t.direct, {}, body)
    cpu = (cpu_seconds(t.pids) - cpu0) * 1000
    if status != 200:
        cell.errors += 1
        if cell.errors == 1:
            print(f"  error: HTTP {status} {error_code(text)}", file=sys.stderr)
        return
    cell.gw_ms.append(gw)
    cell.direct_ms.append(direct)
    cell.cpu_ms += cpu


def run_cell(t: Target, make_body: Callable[[int], dict], min_n: int, max_n: int, seconds: float) -> Cell:
    """At least ``min_n`` requests, then more until ``seconds`` have passed or ``max_n``."""
    cell, started, i = Cell([], []), time.perf_counter(), 0
    while i < min_n or (i < max_n and time.perf_counter() - started < seconds):
        step(t, cell, make_body(i))
        i += 1
    return cell


def chat(messages: list[dict], stream: bool = False) -> dict:
    return {"model": "echo", "messages": messages, **({"stream": True} if stream else {})}


def conversation_cached(t: Target, conversations: int, seed: int) -> dict[int, Cell]:
    """Conversations growing turn by turn, each request = the history already sent + one new
    user message (and the assistant answer to the previous one)."""
    cells = {n: Cell([], []) for n in TURNS}
    for c in range(conversations):
        rng = random.Random(seed + c)
        history: list[dict] = []
        for turn in range(1, max(TURNS) + 1):
            user = {"role": "user", "content": text_of(rng, MESSAGE_CHARS, ASK if turn == 1 else "")}
            body = chat([*history, user])
            if turn in cells:
                step(t, cells[turn], body)
            else:
                t.client.post(t.gateway, headers=t.headers, json=body)
            history += [user, {"role": "assistant", "content": text_of(rng, MESSAGE_CHARS, ANSWER)}]
    return cells


def fresh_conversation(rng: random.Random, turns: int) -> list[dict]:
    messages = []
    for turn in range(turns):
        messages.append({"role": "user", "content": text_of(rng, MESSAGE_CHARS, ASK if turn == 0 else "")})
        if turn < turns - 1:
            messages.append({"role": "assistant", "content": text_of(rng, MESSAGE_CHARS, ANSWER)})
    return messages


def first_data_ms(client: httpx.Client, url: str, headers: dict[str, str], body: dict) -> tuple[float, float, int]:
    """Time to the first SSE ``data:`` line and to the end of the stream."""
    started = time.perf_counter()
    first = float("nan")
    with client.stream("POST", url, headers=headers, json=body) as response:
        for line in response.iter_lines():
            if math.isnan(first) and line.startswith("data:"):
                first = (time.perf_counter() - started) * 1000
        status = response.status_code
    return first, (time.perf_counter() - started) * 1000, status


def streaming(t: Target, n: int, seed: int, repeat: bool) -> dict[str, dict[str, float]]:
    rng = random.Random(seed)
    same = text_of(rng, 1500, ASK)
    ttfb: dict[str, list[float]] = {"gateway": [], "direct": []}
    total: dict[str, list[float]] = {"gateway": [], "direct": []}
    errors = 0
    for i in range(n):
        body = chat([{"role": "user", "content": same if repeat else text_of(rng, 1500, ASK)}], stream=True)
        order = [("gateway", t.gateway, t.headers), ("direct", t.direct, {})]
        for name, url, headers in order if i % 2 == 0 else reversed(order):
            first, whole, status = first_data_ms(t.client, url, headers, body)
            if status == 200:
                ttfb[name].append(first)
                total[name].append(whole)
            else:
                errors += 1
    return {name: {"n": len(ttfb[name]), "errors": errors, "ttfb_p50": pct(ttfb[name], .5),
                   "ttfb_p95": pct(ttfb[name], .95), "total_p50": pct(total[name], .5)} for name in ttfb}


# ----------------------------------------------------------------------------- processes
def write_models(path: Path, upstream_base: str) -> None:
    """One ``echo`` model on the fake upstream, declared self-hosted: social-work notes hold
    child-protection data, which the default policy sends only to self-hosted or HDS models
    (compare_litellm.sh declares the harness upstream the same way)."""
    model = {"name": "echo", "litellm_model": "openai/echo", "api_base": upstream_base + "/v1",
             "hosting": "self_hosted", "retention": "zero", "timeout_s": 60}
    path.write_text(json.dumps({"models": [model]}), encoding="utf-8")  # JSON is valid YAML


def spawn_gateway(state: Path, port: int) -> tuple[Server, float]:
    """Start ``gardefou serve`` and time spawn -> first /readyz 200 (polled every 20 ms)."""
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(state / "gw"), "GARDEFOU_MODELS_FILE": str(state / "models.yaml"),
           "GARDEFOU_POLICIES_DIR": str(state / "policies"), "GARDEFOU_PORT": str(port),
           "GARDEFOU_LOG_LEVEL": "warning", "GARDEFOU_WORKERS": "1"}
    log = state / f"gateway-{port}.log"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve"], env=env, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < 120:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace")[-4000:])
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return Server(proc, base, log), time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise TimeoutError("gateway did not become ready within 120 s")


# ----------------------------------------------------------------------------- report
def fmt(value: float, digits: int = 1) -> str:
    return "" if math.isnan(value) else f"{value:.{digits}f}"


def print_cells(title: str, key: str, rows: list[tuple[str, dict]]) -> None:
    print(f"\n### {title}\n")
    print(f"| {key} | requests | errors | p50 ms | p95 ms | direct p50 ms | added p50 ms | added p95 ms | gateway CPU ms/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        print(f"| {label} | {r['n']} | {r['errors']} | {fmt(r['p50'])} | {fmt(r['p95'])} | {fmt(r['direct_p50'])} | "
              f"{fmt(r['added_p50'])} | {fmt(r['added_p95'])} | {fmt(r['cpu_ms'])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (< 2 minutes)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    cell_s, min_n, max_n, conversations, stream_n, startups = (
        (2.0, 3, 12, 2, 12, 1) if args.quick else (6.0, 5, 40, 6, 30, 2))
    wall = time.perf_counter()
    results: dict = {"date": date.today().isoformat(), "quick": args.quick, "message_chars": MESSAGE_CHARS}

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        up_port = free_port()
        upstream = start_server([str(ROOT / "tests/e2e/fake_upstream.py"), "--port", str(up_port)],
                                {}, state / "upstream.log", "/_state", up_port)
        write_models(state / "models.yaml", upstream.base)
        key, record = mint_key("bench", "bench", Role.STAFF)
        FileKeyStore(state / "gw" / "keys.json").put(record)
        write_unlimited_policy(state / "policies", "bench")
        startup_s: list[float] = []
        try:
            gateway, seconds = spawn_gateway(state, free_port())
            startup_s.append(seconds)
            try:
                with httpx.Client(timeout=120) as client:
                    t = Target(client, gateway.base + "/v1/chat/completions",
                               upstream.base + "/v1/chat/completions",
                               {"Authorization": f"Bearer {key}"}, proc_tree(gateway.proc.pid))
                    rng = random.Random(args.seed)
                    for n_bytes in (1500, 1500, 4096, 16384, 1500, 32768, 1500, 1500):  # warm-up
                        step(t, Cell([], []), chat([{"role": "user", "content": text_of(rng, n_bytes, ASK)}]))
                    streaming(t, 2, args.seed, repeat=False)
                    results["memory_after_warmup"] = memory_mib(t.pids)

                    prompt_rows = []
                    for kb in PROMPT_KB:
                        cell_rng = random.Random(args.seed * 1000 + kb)
                        cell = run_cell(t, lambda i, kb=kb, r=cell_rng: chat(
                            [{"role": "user", "content": text_of(r, kb * 1024, ASK)}]), min_n, max_n, cell_s)
                        prompt_rows.append((f"{kb} KB", cell.row()))
                    results["prompt_length"] = dict(prompt_rows)

                    cached = conversation_cached(t, conversations, args.seed * 7919)
                    fresh = {}
                    for turns in TURNS:
                        cell_rng = random.Random(args.seed * 31 + turns)
                        fresh[turns] = run_cell(t, lambda i, n=turns, r=cell_rng: chat(fresh_conversation(r, n)),
                                                min_n, max_n, cell_s)
                    results["conversation_cached"] = {n: c.row() for n, c in cached.items()}
                    results["conversation_fresh"] = {n: c.row() for n, c in fresh.items()}

                    results["streaming_fresh"] = streaming(t, stream_n, args.seed + 1, repeat=False)
                    results["streaming_repeated"] = streaming(t, stream_n, args.seed + 2, repeat=True)
                    results["memory_end"] = memory_mib(t.pids)
                    results["gateway_processes"] = len(t.pids)
            finally:
                gateway.stop()
            for _ in range(startups - 1):
                again, seconds = spawn_gateway(state, free_port())
                startup_s.append(seconds)
                again.stop()
        finally:
            upstream.stop()
    results["startup_s"] = startup_s
    results["wall_s"] = time.perf_counter() - wall

    print(f"Garde-fou scaling, {results['date']}, {'--quick' if args.quick else 'default'} run, concurrency 1, "
          f"full guardrails, one worker; run took {results['wall_s']:.0f} s")
    print_cells("Prompt length (one user message, new text every request)", "prompt",
                list(results["prompt_length"].items()))
    rows = []
    for n in TURNS:
        rows.append((f"{n} turns, {2 * n - 1} msgs, cache at work", results["conversation_cached"][n]))
        rows.append((f"{n} turns, {2 * n - 1} msgs, every message new", results["conversation_fresh"][n]))
    print_cells(f"Conversation length (messages of ~{MESSAGE_CHARS} bytes; a turn = a user message and, "
                "except the last, the assistant answer)", "conversation", rows)
    print("\n### Streaming, time to first SSE data line (~1,500-byte note, c=1)\n")
    print("| note | target | requests | TTFB p50 ms | TTFB p95 ms | whole stream p50 ms | added TTFB p50 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, name in (("new every request", "streaming_fresh"), ("same note repeated", "streaming_repeated")):
        s = results[name]
        for target in ("direct", "gateway"):
            r = s[target]
            added = "" if target == "direct" else fmt(r["ttfb_p50"] - s["direct"]["ttfb_p50"])
            print(f"| {label} | {target} | {r['n']} | {fmt(r['ttfb_p50'])} | {fmt(r['ttfb_p95'])} | "
                  f"{fmt(r['total_p50'])} | {added} |")
    warm, end = results["memory_after_warmup"], results["memory_end"]
    print("\n### Memory and start-up\n")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| gateway RSS after warm-up | {warm['rss_mib']:.0f} MiB |")
    print(f"| gateway RSS at end / peak (VmHWM) | {end['rss_mib']:.0f} / {end['hwm_mib']:.0f} MiB |")
    print(f"| start-up, spawn to /readyz 200 | {', '.join(f'{s:.1f}' for s in startup_s)} s |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "scaling.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
