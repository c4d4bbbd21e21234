//! Home and community services (居家社区养老服务; 会府发〔2021〕7号 (六)(八)(十三); 赣府厅发〔2022〕3号
//! 第四章, 专栏4): what a provider offers, an order's life from a family's phone to the worker's
//! check-out, what the government's purchase of services covers, and which records a monthly
//! settlement may pay ("no record, no pay").

pub mod catalogue;
pub mod family_bed;
pub mod meals;
pub mod order;
pub mod settlement;
