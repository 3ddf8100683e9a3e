//! Hand-written scanners that stand in for the four regular expressions of upstream zxcvbn 3.1.1
//! (hmis-access fork, see README.md). Each function finds exactly what its pattern found with
//! leftmost-first (backtracking) semantics, so the matchers in `mod.rs` see the same matches.
//!
//! Why not `regex`: in the browser meter, `regex`, `fancy-regex`, `regex-automata` and the Unicode
//! tables of `regex-syntax` were most of the code for these few small patterns (issue 6).
//! Must not depend on anything but `std`.

/// A match of `(.+)\1+`-like patterns: `whole` is group 0, `base` group 1; byte offsets into the
/// searched text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repeat<'a> {
    pub start: usize,
    pub end: usize,
    pub whole: &'a str,
    pub base: &'a str,
}

/// `(.+)\1+` (greedy base) as fancy-regex finds it: the leftmost start at which some base is
/// followed by at least one copy of itself; there, the longest such base; then as many copies
/// as follow.
pub(crate) fn repeat_greedy(text: &str) -> Option<Repeat<'_>> {
    repeat(text, false)
}

/// `(.+?)\1+` (lazy base): the same leftmost start, the shortest base there, as many copies as
/// follow.
pub(crate) fn repeat_lazy(text: &str) -> Option<Repeat<'_>> {
    repeat(text, true)
}

/// Group 1 of `^(.+?)\1+$`: the shortest base that, repeated twice or more, is the whole text.
pub(crate) fn shortest_period(text: &str) -> Option<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    // `.` does not match a line feed, so neither can the base.
    let run = chars.iter().take_while(|(_, c)| *c != '\n').count();
    (1..=run.min(n / 2))
        .find(|&l| n % l == 0 && (l..n).all(|i| chars[i].1 == chars[i % l].1))
        .map(|l| &text[..byte_at(text, &chars, l)])
}

fn byte_at(text: &str, chars: &[(usize, char)], i: usize) -> usize {
    chars.get(i).map_or(text.len(), |&(b, _)| b)
}

fn repeat(text: &str, lazy: bool) -> Option<Repeat<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let same = |a: usize, b: usize, len: usize| (0..len).all(|k| chars[a + k].1 == chars[b + k].1);
    for s in 0..n {
        // The base is `.+`: non-line-feed characters from `s`; a copy must fit after it.
        let run = chars[s..].iter().take_while(|(_, c)| *c != '\n').count();
        let longest = run.min((n - s) / 2);
        let copies = |l: usize| {
            let mut k = 0;
            while s + (k + 2) * l <= n && same(s, s + (k + 1) * l, l) {
                k += 1;
            }
            k
        };
        let found = if lazy {
            (1..=longest).find_map(|l| Some((l, copies(l))).filter(|&(_, k)| k > 0))
        } else {
            (1..=longest).rev().find_map(|l| Some((l, copies(l))).filter(|&(_, k)| k > 0))
        };
        if let Some((l, k)) = found {
            let (start, base_end, end) = (chars[s].0, byte_at(text, &chars, s + l), byte_at(text, &chars, s + (k + 1) * l));
            return Some(Repeat { start, end, whole: &text[start..end], base: &text[start..base_end] });
        }
    }
    None
}

/// Byte ranges of `19[0-9]{2}|20[0-9]{2}` as `captures_iter` finds them: leftmost first, not
/// overlapping.
pub(crate) fn recent_years(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 4 <= b.len() {
        let century = (b[i] == b'1' && b[i + 1] == b'9') || (b[i] == b'2' && b[i + 1] == b'0');
        if century && b[i + 2].is_ascii_digit() && b[i + 3].is_ascii_digit() {
            found.push((i, i + 4));
            i += 4;
        } else {
            i += 1;
        }
    }
    found
}

/// `^[0-9]{4,8}$`.
pub(crate) fn is_digits_4_to_8(text: &str) -> bool {
    (4..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The groups of `^([0-9]{1,4})([\s/\\_.-])([0-9]{1,2})([\s/\\_.-])([0-9]{1,4})$`, in order
/// (group 0 is the whole text). Digits and separators are disjoint, so there is only one way
/// to split the text; `\s` is Unicode White_Space, which is what `char::is_whitespace` tests.
pub(crate) fn date_with_separators(text: &str) -> Option<[&str; 6]> {
    fn digits(s: &str, most: usize) -> Option<(&str, &str)> {
        let d = s.bytes().take_while(u8::is_ascii_digit).count();
        (1..=most).contains(&d).then(|| s.split_at(d))
    }
    fn separator(s: &str) -> Option<(&str, &str)> {
        let c = s.chars().next()?;
        (c.is_whitespace() || "/\\_.-".contains(c)).then(|| s.split_at(c.len_utf8()))
    }
    let (year_or_day, rest) = digits(text, 4)?;
    let (sep1, rest) = separator(rest)?;
    let (middle, rest) = digits(rest, 2)?;
    let (sep2, rest) = separator(rest)?;
    let (last, rest) = digits(rest, 4)?;
    rest.is_empty().then_some([text, year_or_day, sep1, middle, sep2, last])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn greedy(s: &str) -> Option<(&str, &str)> {
        repeat_greedy(s).map(|r| (r.whole, r.base))
    }
    fn lazy(s: &str) -> Option<(&str, &str)> {
        repeat_lazy(s).map(|r| (r.whole, r.base))
    }

    #[test]
    fn repeats_are_found_as_the_backtracking_regexes_found_them() {
        // The two examples upstream's comments give.
        assert_eq!(greedy("aabaab"), Some(("aabaab", "aab")));
        assert_eq!(lazy("aabaab"), Some(("aa", "a")));
        assert_eq!(greedy("aaaaa"), Some(("aaaa", "aa")));
        assert_eq!(lazy("aaaaa"), Some(("aaaaa", "a")));
        assert_eq!(shortest_period("aabaabaabaab"), Some("aab"));
        // Leftmost start wins over a longer repeat further right.
        assert_eq!(greedy("xyy abcabc"), Some(("yy", "y")));
        assert_eq!(greedy("abc"), None);
        assert_eq!(greedy(""), None);
        // `.` never matches a line feed.
        assert_eq!(greedy("a\na\n"), None);
        assert_eq!(greedy("\n\n"), None);
        // Multi-byte characters are whole characters.
        assert_eq!(greedy("xééyéé"), Some(("éé", "é")));
        let r = repeat_greedy("zßßß").unwrap();
        assert_eq!((r.start, r.end), (1, 7));
    }

    #[test]
    fn recent_years_do_not_overlap() {
        assert_eq!(recent_years("1999"), vec![(0, 4)]);
        assert_eq!(recent_years("x2024y1987"), vec![(1, 5), (6, 10)]);
        assert_eq!(recent_years("199920"), vec![(0, 4)]);
        assert_eq!(recent_years("20199"), vec![(0, 4)]);
        assert_eq!(recent_years("1899 2100 19x9"), Vec::<(usize, usize)>::new());
        // Non-ASCII digits are not [0-9].
        assert_eq!(recent_years("19٠٠"), Vec::<(usize, usize)>::new());
    }

    #[test]
    fn dates_split_like_the_pattern() {
        assert!(is_digits_4_to_8("1191") && is_digits_4_to_8("11111991"));
        assert!(!is_digits_4_to_8("119") && !is_digits_4_to_8("111119911") && !is_digits_4_to_8("11a1"));
        assert_eq!(date_with_separators("1/1/91"), Some(["1/1/91", "1", "/", "1", "/", "91"]));
        assert_eq!(date_with_separators("1991-11 1"), Some(["1991-11 1", "1991", "-", "11", " ", "1"]));
        assert_eq!(date_with_separators("1\u{3000}1\\1"), Some(["1\u{3000}1\\1", "1", "\u{3000}", "1", "\\", "1"]));
        for bad in ["11111/1/1", "1/111/1", "1/1/11111", "1/1/", "/1/1", "1//1", "1:1:1", "1/1/1x"] {
            assert_eq!(date_with_separators(bad), None, "{bad}");
        }
    }

    /// A naive statement of `(.+)\1+` at one start: every (base length, copies) that matches.
    fn matches_at(chars: &[char], s: usize) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for l in 1..=chars.len().saturating_sub(s) / 2 {
            if chars[s..s + l].contains(&'\n') {
                break;
            }
            let mut k = 0;
            while s + (k + 2) * l <= chars.len() && chars[s..s + l] == chars[s + (k + 1) * l..s + (k + 2) * l] {
                k += 1;
            }
            if k > 0 {
                v.push((l, k));
            }
        }
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn repeat_scanners_agree_with_a_naive_reading(s in "[ab\n1é]{0,14}") {
            let chars: Vec<char> = s.chars().collect();
            let first = (0..chars.len()).find(|&i| !matches_at(&chars, i).is_empty());
            let g = repeat_greedy(&s);
            let z = repeat_lazy(&s);
            match first {
                None => prop_assert!(g.is_none() && z.is_none()),
                Some(i) => {
                    let all = matches_at(&chars, i);
                    let (gl, gk) = *all.last().unwrap();
                    let (zl, zk) = all[0];
                    let g = g.unwrap();
                    let z = z.unwrap();
                    prop_assert_eq!(g.base.chars().count(), gl);
                    prop_assert_eq!(g.whole.chars().count(), gl * (gk + 1));
                    prop_assert_eq!(z.base.chars().count(), zl);
                    prop_assert_eq!(z.whole.chars().count(), zl * (zk + 1));
                    prop_assert_eq!(s[..g.start].chars().count(), i);
                    let p = shortest_period(g.whole).unwrap();
                    prop_assert_eq!(p.repeat(g.whole.len() / p.len()), g.whole);
                }
            }
        }
    }

    /// Text from an alphabet that exercises every scanner: ASCII and Arabic-Indic digits, every
    /// date separator, Unicode spaces, line feeds, multi-byte letters.
    fn mixed() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => "[0-9]",
                2 => "[/\\_. \\-]",
                1 => prop::sample::select(vec!["\u{3000}", "\u{a0}", "\u{85}", "\n", "\t", "é", "ß", "٠", "a", "b"]).prop_map(String::from),
            ],
            0..16,
        )
        .prop_map(|v| v.concat())
    }

    /// What upstream's compiled patterns answer, for comparison with the scanners.
    mod upstream_patterns {
        use fancy_regex::Regex as FancyRegex;
        use regex::Regex;
        use std::sync::LazyLock;

        pub static GREEDY: LazyLock<FancyRegex> = LazyLock::new(|| FancyRegex::new(r"(.+)\1+").expect("pattern"));
        pub static LAZY: LazyLock<FancyRegex> = LazyLock::new(|| FancyRegex::new(r"(.+?)\1+").expect("pattern"));
        pub static LAZY_ANCHORED: LazyLock<FancyRegex> = LazyLock::new(|| FancyRegex::new(r"^(.+?)\1+$").expect("pattern"));
        pub static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"19[0-9]{2}|20[0-9]{2}").expect("pattern"));
        pub static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9]{4,8}$").expect("pattern"));
        pub static DATE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^([0-9]{1,4})([\s/\\_.-])([0-9]{1,2})([\s/\\_.-])([0-9]{1,4})$").expect("pattern"));

        /// (start, end, group 0, group 1) of a fancy-regex repeat pattern.
        pub fn repeat(re: &FancyRegex, s: &str) -> Option<(usize, usize, String, String)> {
            let c = re.captures(s).expect("no backtrack limit on 16 chars")?;
            let (whole, base) = (c.get(0)?, c.get(1)?);
            Some((whole.start(), whole.end(), whole.as_str().to_string(), base.as_str().to_string()))
        }
    }

    fn ours(r: Option<Repeat<'_>>) -> Option<(usize, usize, String, String)> {
        r.map(|r| (r.start, r.end, r.whole.to_string(), r.base.to_string()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Each scanner against upstream's pattern, compiled by the engine upstream used.
        #[test]
        fn scanners_find_what_upstreams_patterns_find(s in mixed()) {
            use upstream_patterns as up;
            prop_assert_eq!(ours(repeat_greedy(&s)), up::repeat(&up::GREEDY, &s));
            prop_assert_eq!(ours(repeat_lazy(&s)), up::repeat(&up::LAZY, &s));
            let anchored = up::repeat(&up::LAZY_ANCHORED, &s).map(|(_, _, _, base)| base);
            prop_assert_eq!(shortest_period(&s).map(str::to_string), anchored);
            if let Some(g) = repeat_greedy(&s) {
                let anchored = up::repeat(&up::LAZY_ANCHORED, g.whole).map(|(_, _, _, base)| base);
                prop_assert_eq!(shortest_period(g.whole).map(str::to_string), anchored);
            }
            let years: Vec<(usize, usize)> = up::YEAR.find_iter(&s).map(|m| (m.start(), m.end())).collect();
            prop_assert_eq!(recent_years(&s), years);
            prop_assert_eq!(is_digits_4_to_8(&s), up::DIGITS.is_match(&s));
            let date = up::DATE.captures(&s).map(|c| c.iter().map(|g| g.map_or("", |g| g.as_str()).to_string()).collect::<Vec<_>>());
            prop_assert_eq!(date_with_separators(&s).map(|g| g.map(str::to_string).to_vec()), date);
        }
    }
}
