//! The methods, one module per Slack API family. Each method has typed request and response
//! structs beside it and a doc link to Slack's page for it.

pub mod auth;
pub mod chat;
pub mod conversations;
pub mod oauth;
pub mod team;
pub mod users;
pub mod views;
