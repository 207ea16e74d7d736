pub mod forms;
pub mod inactivity;
pub mod layout;
