pub mod forms;
pub mod icons;
pub mod layout;
