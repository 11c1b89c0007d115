//! Typed codes: O*NET-SOC, SOC 2018 and CIP 2020 codes, validated once at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}: expected {expected}")]
pub struct CodeError {
    /// Which kind of code was expected.
    pub kind: &'static str,
    /// The offending input.
    pub value: String,
    /// A human description of the expected shape.
    pub expected: &'static str,
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! string_code {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_code!(
    /// An O*NET-SOC 2019 occupation code such as `17-3024.00`.
    OnetSocCode
);
string_code!(
    /// A 6-digit SOC 2018 code such as `17-3024`.
    SocCode
);
string_code!(
    /// A CIP 2020 programme code such as `15.0403` (also 2- and 4-digit family codes).
    CipCode
);

impl FromStr for OnetSocCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let ok = t.is_ascii()
            && t.len() == 10
            && digits(&t[0..2])
            && &t[2..3] == "-"
            && digits(&t[3..7])
            && &t[7..8] == "."
            && digits(&t[8..10]);
        if ok {
            Ok(Self(t.to_string()))
        } else {
            Err(CodeError {
                kind: "O*NET-SOC code",
                value: s.to_string(),
                expected: "NN-NNNN.NN, e.g. 17-3024.00",
            })
        }
    }
}

impl OnetSocCode {
    /// The 6-digit SOC 2018 code this occupation rolls up to (`17-3024.01` → `17-3024`).
    pub fn soc(&self) -> SocCode {
        SocCode(self.0[0..7].to_string())
    }

    /// The 2-digit SOC major group (`17`).
    pub fn major_group(&self) -> &str {
        &self.0[0..2]
    }

    /// True for the base occupation of a SOC code (`.00`), false for O*NET specialisations.
    pub fn is_base(&self) -> bool {
        self.0.ends_with(".00")
    }
}

impl FromStr for SocCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let ok =
            t.is_ascii() && t.len() == 7 && digits(&t[0..2]) && &t[2..3] == "-" && digits(&t[3..7]);
        if ok {
            Ok(Self(t.to_string()))
        } else {
            Err(CodeError {
                kind: "SOC code",
                value: s.to_string(),
                expected: "NN-NNNN, e.g. 17-3024",
            })
        }
    }
}

impl SocCode {
    /// The 2-digit SOC major group.
    pub fn major_group(&self) -> &str {
        &self.0[0..2]
    }
}

impl FromStr for CipCode {
    type Err = CodeError;
    /// Accepts `NN`, `NN.NN` and `NN.NNNN`, and the spreadsheet form `="NN.NNNN"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut t = s.trim();
        if let Some(inner) = t.strip_prefix("=\"").and_then(|x| x.strip_suffix('"')) {
            t = inner;
        }
        let ok = t.is_ascii()
            && match t.len() {
                2 => digits(t),
                5 | 7 => digits(&t[0..2]) && &t[2..3] == "." && digits(&t[3..]),
                _ => false,
            };
        if ok {
            Ok(Self(t.to_string()))
        } else {
            Err(CodeError {
                kind: "CIP code",
                value: s.to_string(),
                expected: "NN, NN.NN or NN.NNNN, e.g. 15.0403",
            })
        }
    }
}

impl CipCode {
    /// True for a 6-digit programme code (`15.0403`), false for a family or series.
    pub fn is_programme(&self) -> bool {
        self.0.len() == 7
    }
}

/// What kind of code a search query looks like, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeQuery {
    /// A full O*NET-SOC code.
    Onet(OnetSocCode),
    /// A 6-digit SOC code.
    Soc(SocCode),
    /// A CIP programme, series or family code.
    Cip(CipCode),
    /// A SOC prefix such as `17-30` or `17`.
    SocPrefix(String),
}

/// Recognises a code typed into the search box.
///
/// Accepts `17-3024.00`, `17-3024`, `173024`, `15.0403`, `17-30`; returns `None` for words.
pub fn detect_code(query: &str) -> Option<CodeQuery> {
    let q = query.trim();
    if !q.is_ascii() {
        return None;
    }
    if let Ok(c) = q.parse::<OnetSocCode>() {
        return Some(CodeQuery::Onet(c));
    }
    if let Ok(c) = q.parse::<SocCode>() {
        return Some(CodeQuery::Soc(c));
    }
    if q.len() == 6 && digits(q) {
        return Some(CodeQuery::Soc(SocCode(format!("{}-{}", &q[0..2], &q[2..]))));
    }
    if q.len() == 9
        && digits(&q[0..6])
        && &q[6..7] == "."
        && let Ok(c) = format!("{}-{}", &q[0..2], &q[2..]).parse::<OnetSocCode>()
    {
        return Some(CodeQuery::Onet(c));
    }
    if q.contains('.')
        && let Ok(c) = q.parse::<CipCode>()
    {
        return Some(CodeQuery::Cip(c));
    }
    if q.len() >= 4 && q.len() < 7 && digits(&q[0..2]) && &q[2..3] == "-" && digits(&q[3..]) {
        return Some(CodeQuery::SocPrefix(q.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onet_codes_parse_and_roll_up() {
        let c: OnetSocCode = "17-3024.01".parse().unwrap();
        assert_eq!(c.soc().as_str(), "17-3024");
        assert_eq!(c.major_group(), "17");
        assert!(!c.is_base());
        assert!("17-3024".parse::<OnetSocCode>().is_err());
        assert!("17-3024.0a".parse::<OnetSocCode>().is_err());
        let err = "x".parse::<OnetSocCode>().unwrap_err();
        assert!(err.to_string().contains("NN-NNNN.NN"));
    }

    #[test]
    fn cip_codes_accept_spreadsheet_form() {
        assert_eq!(
            "=\"15.0403\"".parse::<CipCode>().unwrap().as_str(),
            "15.0403"
        );
        assert!("15.0403".parse::<CipCode>().unwrap().is_programme());
        assert!(!"15".parse::<CipCode>().unwrap().is_programme());
        assert!("15.04031".parse::<CipCode>().is_err());
    }

    #[test]
    fn code_detection() {
        assert!(matches!(
            detect_code("17-3024.00"),
            Some(CodeQuery::Onet(_))
        ));
        assert!(matches!(detect_code("17-3024"), Some(CodeQuery::Soc(_))));
        assert!(matches!(detect_code("173024"), Some(CodeQuery::Soc(_))));
        assert!(matches!(detect_code("15.0403"), Some(CodeQuery::Cip(_))));
        assert!(matches!(
            detect_code("17-30"),
            Some(CodeQuery::SocPrefix(_))
        ));
        assert!(matches!(detect_code("173024.01"), Some(CodeQuery::Onet(_))));
        assert_eq!(detect_code("robot tech"), None);
        // Multi-byte input never panics on a byte slice.
        for s in [
            "é7-3024.00",
            "17-3024.0é",
            "ééééé",
            "17-30ñ",
            "15.04ü3",
            "1730é4.01",
        ] {
            assert_eq!(detect_code(s), None, "{s}");
            assert!(s.parse::<OnetSocCode>().is_err());
            assert!(s.parse::<CipCode>().is_err());
        }
    }
}
