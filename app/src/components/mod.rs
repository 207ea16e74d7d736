pub mod forms;
pub mod icons;
pub mod inactivity;
pub mod layout;
