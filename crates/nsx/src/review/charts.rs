//! Inline SVG charts of a call's results: they need no JavaScript, scale with the page and
//! print. Each chart carries a text alternative (`role="img"` with a title) and the counts
//! are written beside the bars, so nothing depends on colour alone.

use std::fmt::Write;

use nsx_core::review::Tally;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One row of a stance chart: a label and its tally.
pub struct StanceRow<'a> {
    /// The group's name (`All`, `Employer`, …).
    pub label: &'a str,
    /// Its counts.
    pub tally: &'a Tally,
}

/// Horizontal stacked bars of keep / change / remove, one per group, each as shares of the
/// group's stances.
pub fn stance_bars(title: &str, rows: &[StanceRow<'_>]) -> String {
    let row_h = 22;
    let label_w = 150;
    let bar_w = 300;
    let h = row_h * rows.len().max(1) + 24;
    let mut s = String::new();
    let desc: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}: keep {}, change {}, remove {}",
                r.label, r.tally.keep, r.tally.change, r.tally.remove
            )
        })
        .collect();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{al}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        w = label_w + bar_w + 120,
        al = esc(&format!("{title}. {}", desc.join("; "))),
        t = esc(title),
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i * row_h;
        let _ = write!(
            s,
            r#"<text x="0" y="{}" font-size="12">{}</text>"#,
            y + 15,
            esc(r.label)
        );
        let n = r.tally.stances();
        let mut x = label_w as f64;
        if n == 0 {
            let _ = write!(
                s,
                r##"<text x="{label_w}" y="{}" font-size="12" fill="#555">no stance given</text>"##,
                y + 15
            );
            continue;
        }
        for (count, fill, pattern) in [
            (r.tally.keep, "#2e7d32", ""),
            (r.tally.change, "#f9a825", ""),
            (r.tally.remove, "#c62828", ""),
        ] {
            if count == 0 {
                continue;
            }
            let w = bar_w as f64 * f64::from(count) / f64::from(n);
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{}" width="{w:.1}" height="16" fill="{fill}" stroke="#000" stroke-width="0.5"{pattern}/>"##,
                y + 3
            );
            x += w;
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="11">{}/{}/{} (n={n})</text>"#,
            label_w + bar_w + 6,
            y + 15,
            r.tally.keep,
            r.tally.change,
            r.tally.remove
        );
    }
    let ly = row_h * rows.len().max(1) + 14;
    let _ = write!(
        s,
        r##"<g font-size="11"><rect x="{label_w}" y="{}" width="10" height="10" fill="#2e7d32"/><text x="{}" y="{ly}">keep</text><rect x="{}" y="{}" width="10" height="10" fill="#f9a825"/><text x="{}" y="{ly}">change</text><rect x="{}" y="{}" width="10" height="10" fill="#c62828"/><text x="{}" y="{ly}">remove</text></g>"##,
        ly - 9,
        label_w + 14,
        label_w + 60,
        ly - 9,
        label_w + 74,
        label_w + 130,
        ly - 9,
        label_w + 144,
    );
    s.push_str("</svg>");
    s
}

/// A 1–5 histogram (importance, frequency or a survey rating) with the counts over the bars.
pub fn histogram(title: &str, h: &[u32; 5]) -> String {
    let max = h.iter().copied().max().unwrap_or(0).max(1);
    let (bw, gap, ch) = (28, 8, 60);
    let w = 5 * (bw + gap) + 10;
    let mut s = String::new();
    let desc: Vec<String> = h
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}: {c}", i + 1))
        .collect();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {}" width="{w}" height="{}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        ch + 34,
        ch + 34,
        esc(&format!("{title}. {}", desc.join(", "))),
        esc(title)
    );
    for (i, c) in h.iter().enumerate() {
        let bh = (f64::from(*c) / f64::from(max) * f64::from(ch)).round() as u32;
        let x = i as u32 * (bw + gap) + 4;
        let y = 14 + ch - bh;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{bw}" height="{bh}" fill="#1565c0" stroke="#000" stroke-width="0.5"/><text x="{}" y="{}" font-size="11" text-anchor="middle">{c}</text><text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
            x + bw / 2,
            y.saturating_sub(2).max(10),
            x + bw / 2,
            ch + 30,
            i + 1
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars of counts per option (survey choice questions, respondents by group).
pub fn count_bars(title: &str, rows: &[(String, u32)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (row_h, label_w, bar_w) = (20, 220, 240);
    let h = row_h * rows.len().max(1) + 6;
    let mut s = String::new();
    let desc: Vec<String> = rows.iter().map(|(l, c)| format!("{l}: {c}")).collect();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(&format!("{title}. {}", desc.join(", "))),
        esc(title),
        w = label_w + bar_w + 50,
    );
    for (i, (label, c)) in rows.iter().enumerate() {
        let y = i * row_h;
        let w = (f64::from(*c) / f64::from(max) * bar_w as f64).round();
        let shown: String = label.chars().take(34).collect();
        let _ = write!(
            s,
            r##"<text x="0" y="{}" font-size="12">{}</text><rect x="{label_w}" y="{}" width="{w}" height="14" fill="#1565c0" stroke="#000" stroke-width="0.5"/><text x="{}" y="{}" font-size="11">{c}</text>"##,
            y + 14,
            esc(&shown),
            y + 3,
            label_w as f64 + w + 4.0,
            y + 14
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_describe_themselves() {
        let t = Tally {
            respondents: 4,
            keep: 2,
            change: 1,
            remove: 1,
            ..Tally::default()
        };
        let svg = stance_bars(
            "Stances <b>",
            &[StanceRow {
                label: "A & B",
                tally: &t,
            }],
        );
        assert!(svg.contains("A &amp; B: keep 2, change 1, remove 1"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("2/1/1 (n=4)"));
        let h = histogram("Importance", &[0, 1, 2, 3, 4]);
        assert!(h.contains("Importance. 1: 0, 2: 1, 3: 2, 4: 3, 5: 4"));
        let c = count_bars("By type", &[("Employer".into(), 3)]);
        assert!(c.contains("Employer: 3"));
    }
}
