//! A fast path for reading rule files: the common, regular shape of Sigma
//! detection rules read without a general YAML parser. It yields exactly the
//! collection `rsigma_parser::parse_sigma_yaml` yields for such a text, and
//! declines everything else, which then takes the general path.

mod convert;
mod scalar;
mod yaml;

#[cfg(test)]
mod tests;

use rsigma_parser::SigmaCollection;

pub(crate) use yaml::Decline;

/// The collection of `text`, when it is read here without any doubt.
pub(crate) fn parse(text: &str) -> Option<SigmaCollection> {
    read(text).ok()
}

/// The collection of `text`, or why it is left to the general parser.
pub(crate) fn read(text: &str) -> Result<SigmaCollection, Decline> {
    let mut col = SigmaCollection::new();
    for doc in yaml::documents(text)? {
        col.rules.push(convert::rule(&doc)?);
    }
    Ok(col)
}
