/** The look of report.html: the chart colours and the page's inline CSS. */
export const COLORS = {
  text: '#3b6fd8',
  image: '#f0a33a',
  limit: '#d8343b',
  warn: '#c98a00',
  fine: '#4a5163',
  rec: '#1f9d63',
  grid: '#e6e8ee',
  axis: '#8a90a0',
  resp: '#7c5cd6',
};

export const CSS = `
:root{--fg:#1d2330;--muted:#6b7385;--line:#e6e8ee;--bg:#f6f7fb;--card:#fff;--accent:#3b6fd8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 28px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 12px}
.sub{color:var(--muted);margin:0 0 20px}
.sub b{color:var(--fg);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:26px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.card .d{color:var(--muted);font-size:12.5px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin-bottom:18px}
.legend{display:flex;gap:18px;flex-wrap:wrap;color:var(--muted);font-size:12.5px;margin:-4px 0 6px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-2px}
.legend i.ln{height:3px;vertical-align:3px}
.chart{display:block}
.chart .tick{font-size:11px;fill:#6b7385}
.chart .axis-label{font-size:12px;fill:#4a5163}
.chart .line-label{font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
tbody th{font-weight:500}
tr.strong th,tr.strong td{font-weight:650}
tr.split td{background:#fafbfd;text-align:left;font-weight:650;padding-top:10px}
tr.hl td,tr.hl th{background:#eef8f2}
tr.cfg-fine td,tr.cfg-fine th{background:#eef8f2}
tr.cfg-warn td,tr.cfg-warn th{background:#fdf6e7}
tr.cfg-error td,tr.cfg-error th{background:#fdf0f0}
.bar{display:inline-block;height:9px;border-radius:5px;background:var(--accent);vertical-align:top}
.bar-bg{display:inline-block;margin-right:10px;width:160px;height:9px;border-radius:5px;background:#edf0f6;vertical-align:middle;text-align:left;line-height:0}
.tag{display:inline-block;font-size:11px;font-weight:650;border-radius:4px;padding:1px 6px;margin-left:6px}
.tag.cfg-fine{background:#dcf3e6;color:#15784a}.tag.cfg-warn{background:#fbeccb;color:#8a5a00}.tag.cfg-error{background:#fbe3e3;color:#b3262c}.tag.rec{background:#dcf3e6;color:#15784a}
.muted{color:var(--muted)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f7;border-radius:4px;padding:1px 5px}
.grid2{display:grid;grid-template-columns:7fr 6fr;gap:18px;align-items:start}
.grid2 section{margin-bottom:18px}
footer{color:var(--muted);font-size:12px;margin-top:8px}
`;
