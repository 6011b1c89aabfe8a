"""Spreadsheets in and out (员工信息表, 店铺分工表, 权限矩阵): file formats, one module per sheet, and the import jobs."""
