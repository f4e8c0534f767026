//! Decoding a governance object's `vchData` (`src/governance/validators.cpp`
//! `CProposalValidator`): JSON text, in the current `{...}` form or the old
//! `[["proposal",{...}]]` form.

use thiserror::Error;

use super::json::Json;
use crate::network::Network;
use crate::wallet::{Address, AddressError};
use crate::wire::GovObjectType;

/// Duffs per DASH.
pub const DUFFS_PER_DASH: i64 = 100_000_000;

/// Why an object's data could not be decoded. The raw bytes stay in the object.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DataError {
    /// The data is not UTF-8 text.
    #[error("object data is not UTF-8")]
    NotUtf8,
    /// The text is not JSON.
    #[error("object data is not JSON: {0}")]
    Json(&'static str),
    /// The JSON is not a proposal object in either known form.
    #[error("proposal data is not an object")]
    NotAnObject,
    /// A proposal field is missing or has the wrong type.
    #[error("proposal field `{0}` missing or of the wrong type")]
    Field(&'static str),
}

/// A budget proposal's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// `name`.
    pub name: String,
    /// `url`.
    pub url: String,
    /// `payment_address`, as written (see [`Proposal::payment_address`]).
    pub payment_address: String,
    /// `payment_amount` in duffs (the JSON number is DASH, read exactly).
    pub payment_amount_duffs: i64,
    /// `start_epoch`, Unix seconds.
    pub start_epoch: i64,
    /// `end_epoch`, Unix seconds.
    pub end_epoch: i64,
    /// `type` if present (1 for proposals).
    pub object_type: Option<i64>,
}

impl Proposal {
    /// The payment address parsed for `network`.
    pub fn payment_address(&self, network: Network) -> Result<Address, AddressError> {
        Address::parse(&self.payment_address, network)
    }
}

/// What an object's data decoded to.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectData {
    /// A proposal's fields.
    Proposal(Proposal),
    /// JSON of another kind of object (a trigger's payment list…), kept parsed.
    Json(Json),
    /// Data that does not decode; the object is kept with its raw bytes and flagged.
    Invalid(DataError),
}

impl ObjectData {
    /// Decodes the data of an object of `object_type`: proposals to their fields, anything
    /// else to JSON.
    pub fn decode(object_type: GovObjectType, data: &[u8]) -> ObjectData {
        let json = match std::str::from_utf8(data) {
            Err(_) => return ObjectData::Invalid(DataError::NotUtf8),
            Ok(text) => match Json::parse(text) {
                Ok(json) => json,
                Err(e) => return ObjectData::Invalid(DataError::Json(e)),
            },
        };
        if object_type != GovObjectType::Proposal {
            return ObjectData::Json(json);
        }
        match decode_proposal(&json) {
            Ok(p) => ObjectData::Proposal(p),
            Err(e) => ObjectData::Invalid(e),
        }
    }

    /// The proposal, if the data decoded to one.
    pub fn proposal(&self) -> Option<&Proposal> {
        match self {
            ObjectData::Proposal(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the data failed to decode.
    pub fn is_invalid(&self) -> bool {
        matches!(self, ObjectData::Invalid(_))
    }
}

/// The proposal fields of `json`: `{...}`, or the old `[["proposal",{...}]]`.
pub fn decode_proposal(json: &Json) -> Result<Proposal, DataError> {
    let obj = match json {
        Json::Object(_) => json,
        Json::Array(outer) => match outer.first() {
            Some(Json::Array(inner)) if inner.len() >= 2 => &inner[1],
            _ => return Err(DataError::NotAnObject),
        },
        _ => return Err(DataError::NotAnObject),
    };
    if !matches!(obj, Json::Object(_)) {
        return Err(DataError::NotAnObject);
    }
    let string = |key: &'static str| {
        obj.get(key).and_then(Json::as_str).map(str::to_owned).ok_or(DataError::Field(key))
    };
    let int = |key: &'static str| obj.get(key).and_then(Json::as_i64).ok_or(DataError::Field(key));
    let amount = match obj.get("payment_amount") {
        Some(Json::Number(n)) => dash_to_duffs(n),
        _ => None,
    };
    Ok(Proposal {
        name: string("name")?,
        url: string("url")?,
        payment_address: string("payment_address")?,
        payment_amount_duffs: amount.ok_or(DataError::Field("payment_amount"))?,
        start_epoch: int("start_epoch")?,
        end_epoch: int("end_epoch")?,
        object_type: obj.get("type").and_then(Json::as_i64),
    })
}

/// A JSON number of DASH in duffs: exact for plain decimals with up to 8 places, rounded
/// through `f64` otherwise (exponents, more places). `None` for negative or out-of-range.
pub fn dash_to_duffs(number: &str) -> Option<i64> {
    let exact = || -> Option<i64> {
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        if frac.len() > 8 || !int.bytes().all(|b| b.is_ascii_digit()) || int.is_empty() {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let frac_duffs: i64 = format!("{frac:0<8}").parse().ok()?;
        int.parse::<i64>().ok()?.checked_mul(DUFFS_PER_DASH)?.checked_add(frac_duffs)
    };
    exact().or_else(|| {
        let dash: f64 = number.parse().ok()?;
        let duffs = (dash * DUFFS_PER_DASH as f64).round();
        (0.0..9.2e18).contains(&duffs).then_some(duffs as i64)
    })
}
