"""``flamekit merge``: many profiles into one, on a process pool or a Dask cluster."""

from __future__ import annotations

import click

from .cli_options import ProfileLoader, output_option, profile_input, profiles_argument


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@profiles_argument
@profile_input
@output_option("Output file ('-' for stdout); its extension picks the format.")
@click.option("--to", default=None, help="Output format (folded, speedscope, svg, html, ...).")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the CPUs this process may run on).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    envvar="FLAMEKIT_DASK_SCHEDULER",
    default=None,
    help="Run on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://host:8786; "
    "default: $FLAMEKIT_DASK_SCHEDULER). Workers read the inputs themselves.",
)
@click.option(
    "--keep-threads", is_flag=True, help="Keep threads apart by pid and tid (default: by name)."
)
@click.option(
    "--as-samples",
    is_flag=True,
    help="Count samples instead of time, so timed and sample-count inputs can be merged.",
)
@click.option(
    "--label-from",
    metavar="REGEX",
    default=None,
    help="Name each input's threads after the part of its path REGEX matches (its first "
    "group, if it has one), e.g. 'pod-[0-9]+', to keep one slice per host.",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Leave out inputs that cannot be read, list them at the end and count them in the "
    "output's metadata (default: stop at the first, writing nothing).",
)
def merge(
    profiles: tuple[str, ...],
    loader: ProfileLoader,
    output: str,
    to: str | None,
    jobs: int | None,
    dask_address: str | None,
    keep_threads: bool,
    as_samples: bool,
    label_from: str | None,
    skip_bad: bool,
) -> None:
    """Merge many profiles (files, quoted globs, folders, @lists) into one.

    Each input is reduced to its call tree (weight and samples per path and thread) by a
    worker; the trees are merged pairwise, so memory holds one tree per worker plus the
    result, never every input. The output is the same, byte for byte, for any --jobs and for
    --dask. Timestamps are not kept.
    """
    import re

    from .aggregate import ReadOptions
    from .console import warn
    from .errors import UsageError
    from .importers.parallel import usable_cpus
    from .merge import merged_profile, reduce_inputs
    from .output import write_output
    from .render.registry import output_for, require_weight

    target = output_for(output, to)
    if label_from is not None:
        try:
            re.compile(label_from)
        except re.error as exc:
            raise UsageError(f"--label-from {label_from!r}: {exc}", hint="fix the regex") from None
    options = ReadOptions(
        from_format=loader.from_format,
        import_options=tuple(sorted(loader.import_options.items())),
        transforms=loader.transforms if loader.transforms.any else None,
        keep_threads=keep_threads,
        as_samples=as_samples,
        label_from=label_from,
    )
    agg = reduce_inputs(
        profiles,
        options,
        jobs=jobs or usable_cpus(),
        dask=dask_address,
        skip_bad=skip_bad,
        progress=True,
    )
    profile = merged_profile(agg, len(profiles))
    for message in profile.meta.warnings:
        warn(message)
    require_weight(profile, ", ".join(profiles[:3]))
    write_output(output, target.render(profile))
    for reason in agg.skipped:
        warn(f"skipped: {reason}")
