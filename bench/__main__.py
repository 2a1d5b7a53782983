"""``python -m bench``: run every benchmark and write bench/results/*.md."""

from bench import (
    bench_af,
    bench_browser,
    bench_exports,
    bench_jsonstat,
    bench_map,
    bench_pages,
    bench_refresh,
)

bench_jsonstat.main()
bench_refresh.main()
bench_af.main()
bench_pages.main([])
bench_browser.main([])
bench_map.main()
bench_exports.main()
