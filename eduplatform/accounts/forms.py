"""HTML forms (Flask-WTF: CSRF on every one)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码")])
    confirm_password = PasswordField("确认新密码", validators=[
        DataRequired("请再次输入新密码"), EqualTo("new_password", "两次输入的新密码不一致")])


class UserCreateForm(FlaskForm):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名"), Regexp(r"^[A-Za-z0-9_.-]{3,64}$", message="用户名须为 3–64 位字母、数字或 _ . -")])
    display_name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=64)])
    org = SelectField("所属单位", validators=[Optional()])
    roles = SelectMultipleField("角色", validators=[DataRequired("至少选择一个角色")])
    email = EmailField("电子邮箱", validators=[Optional(), Length(max=120)])
    phone = StringField("电话", validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$", message="电话号码格式不正确")])
