"""A tiny SVG line-plot writer (no matplotlib on the build machines): one polyline per series."""

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f"]


def line_plot(path, title, series, xlabel, ylabel, marker=None, width=760, height=380):
    left, right, top, bottom = 60, 200, 30, 45
    xs_all = [x for xs, _ in series.values() for x in xs] or [0, 1]
    ys_all = [y for _, ys in series.values() for y in ys] or [0, 1]
    x0, x1 = min(xs_all), max(xs_all) if max(xs_all) > min(xs_all) else min(xs_all) + 1
    y0, y1 = min(0.5, min(ys_all)), 1.0
    pw, ph = width - left - right, height - top - bottom

    def sx(x):
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y):
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="13">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>']
    for i in range(6):
        y = y0 + (y1 - y0) * i / 5
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 6}" y="{sy(y) + 4:.1f}" '
                   f'text-anchor="end">{y:.2f}</text>')
    for i in range(6):
        x = x0 + (x1 - x0) * i / 5
        out.append(f'<text x="{sx(x):.1f}" y="{top + ph + 15}" text-anchor="middle">{x:.0f}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="14" y="{top + ph / 2}" transform="rotate(-90 14 {top + ph / 2})" '
               f'text-anchor="middle">{ylabel}</text>')
    if marker is not None:
        out.append(f'<line x1="{sx(marker):.1f}" x2="{sx(marker):.1f}" y1="{top}" y2="{top + ph}" '
                   f'stroke="#000" stroke-dasharray="4 3"/><text x="{sx(marker) + 3:.1f}" '
                   f'y="{top + 12}">new class</text>')
    for i, (name, (xs, ys)) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        points = " ".join(f"{sx(x):.1f},{sy(max(y, y0)):.1f}" for x, y in zip(xs, ys))
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"/>')
        ly = top + 14 + 16 * i
        out.append(f'<line x1="{left + pw + 10}" x2="{left + pw + 30}" y1="{ly}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2"/><text x="{left + pw + 35}" '
                   f'y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
