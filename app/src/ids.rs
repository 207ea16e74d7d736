//! Row ids as types of their own: a client's id where a practice's is expected does not compile.
//! On the wire and in forms each is its number (`serde(transparent)`), in SQL an `INTEGER` /
//! `BIGINT` (`sqlx(transparent)`).

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }
    };
}

id!(
    /// A practice: the unit every client, appointment and setting belongs to.
    PracticeId
);
id!(
    /// A client of one practice.
    ClientId
);
id!(
    /// An account: a practitioner or a support person.
    UserId
);
id!(
    /// The secure conversation between a practice and one of its clients.
    ConversationId
);
id!(
    /// One message in a conversation.
    MessageId
);
id!(
    /// A file sent with a message.
    FileId
);
id!(
    /// A practice's request for the IP address of one online booking.
    IpRequestId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_plain_numbers() {
        assert_eq!(serde_json::to_string(&ClientId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<PracticeId>("7").unwrap(), PracticeId(7));
        assert_eq!("15".parse::<UserId>(), Ok(UserId(15)));
        assert!("15a".parse::<UserId>().is_err());
        assert_eq!(ClientId(3).to_string(), "3");
    }
}
