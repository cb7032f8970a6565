"""Command line: a thin layer over ``feedback2journey.run.pipeline``. Every command's help has an example."""
from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from feedback2journey import __version__
from feedback2journey.inputs.columns import ColumnMapping
from feedback2journey.config import ConfigError, load_config
from feedback2journey.errors import UserError
from feedback2journey.painpoints.curate import run_paths
from feedback2journey.embed.embedder import Embedder, default_cache_dir
from feedback2journey.inputs.read import InputError
from feedback2journey.resources import default_config_path

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
    help="Turn exported customer feedback into an annotated customer-journey map.\n\n"
         "Example: [bold]feedback2journey run tickets.csv reviews.json --out journey-out[/bold]",
)
err = Console(stderr=True)


def _version(value: bool):
    if value:
        typer.echo(f"feedback2journey {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")):
    pass


def _fail(exc: Exception):
    """Print a user error (options named as this command line's flags) and exit 2."""
    message = exc.for_cli() if isinstance(exc, UserError) else str(exc)
    err.print("[bold red]Error:[/bold red] ", end="", highlight=False)
    err.print(message, highlight=False, markup=False)  # file names and input text are not markup
    raise typer.Exit(2)


@app.command()
def run(
    inputs: Optional[list[str]] = typer.Argument(None, help="Feedback files (CSV, JSON, JSONL, Parquet, XLSX), "
                                                 "globs, or fsspec URLs (s3://...). None: the bundled sample.",
                                                 show_default=False),
    out: Path = typer.Option(Path("journey-out"), "--out", "-o", help="Output folder."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Taxonomy/settings YAML "
                                          "(write one with `feedback2journey init`)."),
    text_column: Optional[list[str]] = typer.Option(None, "--text-column", "-t", help="Text column; repeat to "
                                                    "join several (title + body)."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="Unique id column."),
    date_column: Optional[str] = typer.Option(None, "--date-column", help="Date column."),
    score_column: Optional[str] = typer.Option(None, "--score-column", help="NPS / CSAT / rating column."),
    channel_column: Optional[str] = typer.Option(None, "--channel-column", help="Channel column (email, chat...)."),
    segment_column: Optional[str] = typer.Option(None, "--segment-column", help="Customer segment / persona column."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Input encoding (default: detected), "
                                           "e.g. latin-1, utf-16."),
    segment_by: Optional[str] = typer.Option(None, "--segment-by", help="Item column (persona, plan, source...) "
                                             "for side-by-side maps and the report's filter."),
    xlsx: bool = typer.Option(False, "--xlsx", help="Also write journey.xlsx (one sheet per table)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Trained head folder from `feedback2journey "
                                         "train` (default: zero-shot from the taxonomy)."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep e-mails, phone/card numbers, IBANs, addresses "
                                   "and names (masked by default)."),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="Cache folder shared across runs: "
                                   "embeddings, chunks, results "
                                   "[default: $F2J_CACHE_DIR or ~/.cache/feedback2journey]."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write any cache (embeddings, chunks, "
                                  "results)."),
    no_result_cache: bool = typer.Option(False, "--no-result-cache", help="Always recompute the pain points, journey "
                                         "and report, even when an identical run is cached."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Cluster negative segments (default) or all."),
    curation: Optional[Path] = typer.Option(None, "--curation", help="Pain point curation YAML [default: "
                                            "pain_points.yaml beside --config, else in --out]."),
    previous: Optional[Path] = typer.Option(None, "--previous", help="Earlier run folder whose pain point ids to "
                                            "keep [default: --out, if it holds a run]."),
    speed: str = typer.Option("accurate", "--speed", help="accurate (MiniLM) or fast (a static model distilled "
                              "from it, built once: ~20x the throughput, some quality loss; docs/speed_modes.md)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Encoder backend for accurate mode: torch "
                                          "(default) or onnx (int8 ONNX Runtime)."),
    device: str = typer.Option("cpu", "--device", help="cpu, or cuda when a GPU is present."),
    chunk_rows: int = typer.Option(5000, "--chunk-rows", min=1, help="Rows per chunk: the unit of work, of "
                                   "memory and of resuming after a crash."),
    engine: str = typer.Option("local", "--engine", help="local, or dask: per-chunk steps on Dask workers."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786) "
                                            "[default: a LocalCluster on this machine]."),
    workers: int = typer.Option(2, "--workers", min=1, help="LocalCluster workers for --engine dask."),
    jobs: str = typer.Option("auto", "--jobs", "-j", help="Worker processes for the per-row steps with --engine "
                             "local: a number, or auto (with --speed fast, one per core, up to 4, once the input "
                             "spans more than 4 chunks; accurate mode's encoder already uses every core; 1 = all in this process)."),
    keep_parts: bool = typer.Option(False, "--keep-parts", help="Keep the per-chunk parts in OUT/.f2j-work."),
    raw_csv: bool = typer.Option(False, "--raw-csv", help="Write CSV text cells as they are. By default a cell "
                                 "starting with =, +, -, @, tab or CR gets a leading ' so a spreadsheet never runs "
                                 "it as a formula (OWASP CSV injection)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary."),
):
    """Analyze feedback files and write the journey map, tables and report to --out.

    [bold]Examples[/bold]

      feedback2journey run                                  [dim]# the bundled sample[/dim]

      feedback2journey run tickets.csv --out journey-out

      f2j run export.xlsx -t title -t body --score-column stars --out reviews-map

      feedback2journey run survey.csv --segment-by plan --xlsx --out by-plan

      feedback2journey run tickets.csv --model models/support --out journey-out  [dim]# a trained head[/dim]

      feedback2journey run tickets.csv --cluster all --curation pain_points.yaml --out journey-out

      feedback2journey run tickets.csv --speed fast --out quick-look  [dim]# ~20x faster, rougher[/dim]

      feedback2journey run 'exports/2026-*.csv' --speed fast --jobs 2 --out big  [dim]# 2 worker processes[/dim]

      feedback2journey run 'exports/2026-*.csv' --engine dask --scheduler tcp://10.0.0.5:8786 --out big

    A killed run resumes: run the same command again and finished chunks are skipped.

    A run identical to an earlier one (same rows, options and code) takes its outputs from the result cache.
    """
    from feedback2journey.run.batch import BatchOptions, run_batch
    from feedback2journey.progress import Reporter, RichReporter

    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING, format="%(levelname)s: %(message)s")
    reporter = Reporter() if quiet else RichReporter(err)
    mapping = ColumnMapping(text=tuple(text_column or ()), id=id_column, date=date_column, score=score_column,
                            channel=channel_column, segment=segment_column)
    try:
        cfg = load_config(config)
        if cluster not in (None, "negative", "all"):
            raise ConfigError(f"--cluster: {cluster!r} is not one of negative, all.")
        prev_dir, curation_file = run_paths(out, config, curation, previous)
        if not quiet:
            err.print(f"Reading {len(inputs) if inputs else 'the bundled sample'} input(s)...")
        if engine not in ("local", "dask"):
            raise ConfigError(f"--engine: {engine!r} is not one of local, dask.")
        if speed not in ("accurate", "fast"):
            raise ConfigError(f"--speed: {speed!r} is not one of accurate, fast.")
        embedder = {"cache_dir": None if no_cache else str(cache_dir or default_cache_dir()), "speed": speed,
                    "backend": backend, "device": device}
        try:
            Embedder(**embedder)  # checks speed/backend/device before any work (loads nothing)
        except UserError:
            raise
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(str(exc)) from exc
        if jobs != "auto" and not (jobs.isdigit() and int(jobs) >= 1):
            raise ConfigError(f"--jobs: {jobs!r} is not a number of processes (1 or more) or auto.")
        options = BatchOptions(chunk_rows=chunk_rows, engine=engine, scheduler=scheduler, workers=workers,
                               keep_parts=keep_parts, jobs=0 if jobs == "auto" else int(jobs),
                               result_cache=not no_result_cache)
        result, paths = run_batch(inputs or None, cfg, out, columns=mapping, encoding=encoding, redact=not no_redact,
                                  segment_by=segment_by, model=model, embedder=embedder, cluster_on=cluster,
                                  previous=prev_dir, curation=curation_file, xlsx=xlsx, options=options,
                                  reporter=reporter, raw_csv=raw_csv)  # writes outputs, pain point centroids included
    except UserError as exc:  # ConfigError, InputError, CurationError, OutputError (disk full, permissions, lock)
        _fail(exc)
    if not quiet:
        _summary(result, paths["report.html"])


@app.command()
def train(
    labeled: Path = typer.Argument(..., help="Labelled examples: a text column plus stage and/or touchpoint "
                                   "(taxonomy ids; an empty cell = not labelled)."),
    out: Path = typer.Option(..., "--out", "-o", help="Model folder to write (head.npz + head.json)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Taxonomy/settings YAML the labels use."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help="Text column (default: text)."),
):
    """Fit a classification head (logistic regression on embeddings) on labelled examples.

    [bold]Example[/bold]

      feedback2journey train labeled.csv --out models/support   [dim]# then:[/dim]

      feedback2journey run tickets.csv --model models/support
    """
    from feedback2journey.embed.embedder import Embedder
    from feedback2journey.classify.evaluate import load_labeled
    from feedback2journey.classify.train import train as fit

    try:
        cfg = load_config(config)
        data = load_labeled(labeled, cfg, text_column)
        result = fit(data, cfg, Embedder(), out)
    except (ConfigError, InputError) as exc:
        _fail(exc)
    for task, info in result["meta"]["tasks"].items():
        m = info["metrics"]
        cv = (f"cross-validated macro-F1 {m['cv_macro_f1']:.3f}, ECE {m['cv_ece']:.3f}" if m
              else "too few examples per class to cross-validate")
        err.print(f"{task}: {info['n']} examples, {len(info['class_counts'])} labels · {cv}", highlight=False)
    err.print(f"Wrote {out}. Use it: feedback2journey run INPUT --model {out}   (check: feedback2journey eval "
              f"LABELED.csv --model {out})")


@app.command(name="eval")
def eval_(
    labeled: Path = typer.Argument(..., help="Labelled examples: a text column plus stage and/or touchpoint."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Trained head folder (default: zero-shot)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Taxonomy/settings YAML."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help="Text column (default: text)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the full report as JSON here."),
):
    """Score the classifier on labelled examples: per-class precision/recall/F1, macro-F1, confusion matrix,
    worst-confused examples and calibration, so you can check a taxonomy before trusting a map. Each figure
    twice: every row classified whole, and every row run as `run` labels an item (split into segments, the
    lead segment's label); beside them the baseline a notebook gives on the same rows (cosine between the
    row and each label's "name: description").

    [bold]Examples[/bold]

      feedback2journey eval labeled.csv --config my-journey.yaml

      feedback2journey eval labeled.csv --model models/support --json eval.json
    """
    from feedback2journey.classify.evaluate import load_labeled, render, write_json
    from feedback2journey.run.pipeline import Models, evaluate_labeled

    try:
        cfg = load_config(config)
        data = load_labeled(labeled, cfg, text_column)
        models = Models(cfg, model=model)  # the classifier exactly as `run` builds it
        report = evaluate_labeled(data, models)
    except (ConfigError, InputError) as exc:
        _fail(exc)
    report.update({"labeled": str(labeled), "model": str(model) if model else "zero-shot",
                   "config_hash": cfg.hash()})
    render(report, Console())
    if json_out:
        write_json(report, json_out)
        err.print(f"Wrote {json_out}")


def _summary(result, report: Path) -> None:
    info = result.run_info
    total = info['timings_s']['total']
    err.print(f"[bold]{info['rows_read']:,}[/bold] rows read: [green]{info['analyzed']:,} analyzed[/green], "
              f"[yellow]{info['rejected']:,} rejected[/yellow] (see rejected.csv) · {info['segments']:,} segments · "
              f"{len(result.pain_points)} pain points · {total:.1f} s ({info['rows_read'] / max(total, 1e-9):,.0f} "
              f"rows/s)")
    left_out = (result.journey.get("not_analyzed") or {}).get("text")
    if left_out:  # other languages: kept in the outputs, left out of the map (docs/languages.md)
        err.print(f"  [yellow]{left_out[0].upper()}{left_out[1:]}[/yellow] (settings.languages)", highlight=False)
    batch = info.get("batch")
    if batch:
        resumed = f", {batch['resumed_chunks']} resumed" if batch["resumed_chunks"] else ""
        if (batch.get("chunk_cache") or {}).get("hits"):
            resumed += f", {batch['chunk_cache']['hits']} unchanged (from the cache)"
        err.print(f"  {batch['chunks']} chunk(s){resumed} · peak memory {batch['peak_rss_mb']:,.0f} MB · "
                  f"engine {batch['engine']}" + (f" ({batch['jobs']} processes)" if (batch.get("jobs") or 1) > 1
                                                  else ""), highlight=False)
    if (info.get("result_cache") or {}).get("hit"):
        err.print("  outputs from the result cache: an identical run finished before (--no-result-cache recomputes)",
                  highlight=False)
    for i in info["inputs"]:
        err.print(f"  {i['source']}: text={' + '.join(i['columns']['text'])}"
                  + "".join(f", {k}={i['columns'][k]}" for k in ("id", "date", "score", "channel", "segment")
                            if i["columns"][k]), highlight=False)
    err.print(f"Report: {report}")


@app.command()
def init(
    path: Path = typer.Argument(Path("journey.yaml"), help="Where to write the editable taxonomy + settings."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
):
    """Write an editable copy of the default taxonomy and settings.

    [bold]Example[/bold]

      feedback2journey init my-journey.yaml   [dim]# edit it, then:[/dim]

      feedback2journey run tickets.csv --config my-journey.yaml
    """
    if path.exists() and not force:
        err.print(f"[bold red]Error:[/bold red] {path} exists. Fix: choose another path or pass --force.")
        raise typer.Exit(2)
    shutil.copyfile(default_config_path(), path)
    load_config(path)  # the copy must validate as it is
    err.print(f"Wrote {path}. Edit stages, touchpoints, channels and settings, then: "
              f"feedback2journey run INPUT --config {path}")


@app.command()
def validate(config: Path = typer.Argument(..., help="Taxonomy/settings YAML to check.")):
    """Check a taxonomy/settings file and print what it defines.

    [bold]Example[/bold]

      feedback2journey validate my-journey.yaml
    """
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(exc)
    tax = cfg.taxonomy
    typer.echo(f"OK: {len(tax.stages)} stages, {len(tax.touchpoints)} touchpoints, {len(tax.channels)} channels "
               f"(config hash {cfg.hash()})")


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="The --out folder of a finished run."),
    fmt: list[str] = typer.Option(["json", "csv", "mermaid", "xlsx"], "--format", "-f",
                                  help="json | csv (stage x touchpoint grid) | mermaid | xlsx; repeatable."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Where to write (default: RUN_DIR)."),
):
    """Re-export a finished run without recomputing anything.

    [bold]Examples[/bold]

      feedback2journey export journey-out --format xlsx

      feedback2journey export journey-out -f mermaid -f csv --out for-miro
    """
    from feedback2journey.outputs.export import export_files
    from feedback2journey.outputs.read_run import load_run
    from feedback2journey.files import atomic_write

    try:
        run = load_run(run_dir)
        written = export_files(run, out or run_dir, tuple(fmt), atomic_write)
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    for name, path in written.items():
        typer.echo(f"wrote {path}")


@app.command("pain-points")
def pain_points(
    run_dir: Path = typer.Argument(..., help="The --out folder of a finished run."),
    show: Optional[list[str]] = typer.Option(None, "--show", "-s", help="Show one pain point in full (quotes, "
                                             "stages, trend); repeatable."),
    by_stage: bool = typer.Option(False, "--by-stage", help="Group pain points under the stages where they occur."),
    by_theme: bool = typer.Option(False, "--by-theme", help="Group pain points under their themes (roll-ups of "
                                  "close pain points), themes by summed priority."),
    top: int = typer.Option(30, "--top", help="List at most this many."),
    init_curation: Optional[Path] = typer.Option(None, "--init-curation", help="Write an editable curation file "
                                                 "(rename, merge, split, pin, ignore) listing every pain point."),
):
    """List a run's pain points (label, size, priority, change) or show some in full.

    [bold]Examples[/bold]

      feedback2journey pain-points journey-out

      feedback2journey pain-points journey-out --show PP03 --show PP07

      feedback2journey pain-points journey-out --by-theme

      feedback2journey pain-points journey-out --init-curation journey-out/pain_points.yaml  [dim]# edit, then re-run[/dim]
    """
    from rich.table import Table

    from feedback2journey.outputs.read_run import load_pain_points
    from feedback2journey.painpoints.curate import curation_template
    from feedback2journey.painpoints.table import stage_view

    try:
        table, info = load_pain_points(run_dir)
    except FileNotFoundError as exc:
        _fail(exc)
    out = Console()
    ids = info.get("clustering", {}).get("pain_point_ids", {})
    if init_curation:
        if init_curation.exists():
            err.print(f"[bold red]Error:[/bold red] {init_curation} exists. Fix: edit it, or choose another path.")
            raise typer.Exit(2)
        curation_template(table, init_curation)
        err.print(f"Wrote {init_curation}. Edit it, then re-run with --out {run_dir} (or --curation {init_curation}).")
        return
    if show:
        by_id = {r["pain_point_id"]: r for r in table.to_dict(orient="records")}
        for pp in show:
            r = by_id.get(pp)
            if r is None:
                err.print(f"[bold red]Error:[/bold red] no pain point {pp}. Known: {', '.join(by_id)}")
                raise typer.Exit(2)
            out.print(f"[bold]{pp}: {r['label']}[/bold]" + ("  [pinned]" if r.get("pinned") is True else ""),
                      highlight=False)
            out.print(f"  size {r['size']} segments / {r['items']} items, {r['share_of_negative']:.1%} of negative, "
                      f"mean sentiment {r['mean_sentiment']:+.2f}, priority {r['priority']}"
                      + (f", impact +{r['impact']} {r['impact_kind']}" if r.get("impact_kind") and r.get("impact")
                         == r.get("impact") else ""), highlight=False)
            out.print(f"  keywords: {', '.join(r['keywords'])}", highlight=False)
            out.print(f"  stages: {r['stages']}  touchpoints: {r['touchpoints']}", highlight=False)
            if r.get("trend"):
                out.print(f"  trend: {r['trend']}", highlight=False)
            for q in r["quotes"]:
                out.print(f"  \u201c{q}\u201d", highlight=False)
            out.print()
        return
    if by_stage:
        labels = dict(zip(table["pain_point_id"], table["label"]))
        for stage, pps in stage_view(table).items():
            out.print(f"[bold]{stage}[/bold]")
            for pp in pps[:top]:
                out.print(f"  {pp}  {labels[pp]}", highlight=False)
        return
    if by_theme:
        from feedback2journey.outputs.report import pain_themes

        for theme in pain_themes(table.to_dict(orient="records"))[:top]:
            out.print(f"[bold]{theme['label']}[/bold]  ({len(theme['pain_points'])} pain points, {theme['size']} "
                      f"segments, priority {theme['priority']:.2f})", highlight=False)
            for pp in theme["pain_points"]:
                out.print(f"  {pp['pain_point_id']}  {pp['label']}  ({pp['size']}, priority {pp['priority']:g})",
                          highlight=False)
        return
    t = Table(title=f"{len(table)} pain points in {run_dir}")
    for col in ("id", "label", "size", "priority", "impact", "change", "top stage", "quote"):
        t.add_column(col, overflow="fold")
    for r in table.head(top).itertuples():
        impact = f"+{r.impact} {r.impact_kind}" if getattr(r, "impact_kind", None) == getattr(r, "impact_kind", 0) \
            and isinstance(getattr(r, "impact_kind", None), str) else ""
        t.add_row(r.pain_point_id + (" *" if getattr(r, "pinned", False) is True else ""), r.label, str(r.size),
                  f"{r.priority:g}", impact, str(getattr(r, "change", "")), str(r.top_stage),
                  (r.quotes[0][:80] if r.quotes else ""))
    out.print(t)
    if ids.get("gone"):
        out.print(f"Gone since the previous run: {', '.join(ids['gone'])}")
    out.print("* pinned.  Full view: --show PPxx.  Curate: --init-curation FILE, edit, re-run.")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        err.print("Interrupted.")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
