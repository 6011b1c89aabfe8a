"""Staff lifecycle (入职 / 休假 / 调岗 / 离职): the services behind the lifecycle pages."""
