"""The first schema of the province service (the tables as they were at this revision, frozen here).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    T = sa.Text
    op.create_table("province", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", T, nullable=False), sa.Column("code", T, nullable=False, server_default=""),
                    sa.Column("data_dir", T, nullable=False, server_default=""), sa.Column("created_at", T, nullable=False))
    op.create_table("communes", sa.Column("code", T, primary_key=True), sa.Column("name", T, nullable=False),
                    sa.Column("kind", T, nullable=False),
                    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table("years", sa.Column("year", sa.Integer, primary_key=True), sa.Column("rubric", T, nullable=False),
                    sa.Column("rubric_name", T, nullable=False, server_default=""), sa.Column("deadline", T),
                    sa.Column("authority", T, nullable=False, server_default=""),
                    sa.Column("signer", T, nullable=False, server_default=""),
                    sa.Column("updated_at", T, nullable=False))
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("login", T, nullable=False, unique=True), sa.Column("role", T, nullable=False),
                    sa.Column("commune", T, sa.ForeignKey("communes.code")),
                    sa.Column("password_hash", T, nullable=False),
                    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
                    sa.Column("created_at", T, nullable=False))
    op.create_table("api_tokens", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("token_hash", T, nullable=False, unique=True),
                    sa.Column("label", T, nullable=False, server_default=""),
                    sa.Column("created_at", T, nullable=False), sa.Column("revoked_at", T))
    op.create_table("sessions", sa.Column("id_hash", T, primary_key=True),
                    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("csrf", T, nullable=False), sa.Column("created_at", T, nullable=False),
                    sa.Column("expires_at", T, nullable=False),
                    sa.Column("address", T, nullable=False, server_default=""))
    op.create_table("login_failures", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("key", T, nullable=False, index=True), sa.Column("at", T, nullable=False))
    op.create_table("unit_links", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("token_hash", T, nullable=False, unique=True),
                    sa.Column("commune", T, sa.ForeignKey("communes.code"), nullable=False),
                    sa.Column("year", sa.Integer, nullable=False), sa.Column("unit", T, nullable=False),
                    sa.Column("created_by", T, nullable=False), sa.Column("created_at", T, nullable=False),
                    sa.Column("revoked_at", T))
    op.create_table("files", sa.Column("sha256", T, primary_key=True), sa.Column("size", sa.BigInteger, nullable=False),
                    sa.Column("created_at", T, nullable=False))
    op.create_table("uploads", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("commune", T, sa.ForeignKey("communes.code"), nullable=False),
                    sa.Column("year", sa.Integer, nullable=False),
                    sa.Column("sha256", T, sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("name", T, nullable=False), sa.Column("unit", T, nullable=False, server_default=""),
                    sa.Column("link_unit", T), sa.Column("by", T, nullable=False), sa.Column("at", T, nullable=False),
                    sa.Column("accepted", sa.Boolean, nullable=False),
                    sa.Column("findings", T, nullable=False, server_default="[]"))
    op.create_index("uploads_commune_year", "uploads", ["commune", "year"])
    op.create_table("commune_years", sa.Column("commune", T, sa.ForeignKey("communes.code"), primary_key=True),
                    sa.Column("year", sa.Integer, primary_key=True), sa.Column("state", T, nullable=False),
                    sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
                    sa.Column("submitted_at", T), sa.Column("reason", T), sa.Column("total", sa.Float),
                    sa.Column("classification", T), sa.Column("classification_label", T), sa.Column("report", T),
                    sa.Column("report_sha256", T),
                    sa.Column("summary_sha256", T, sa.ForeignKey("files.sha256")),
                    sa.Column("dossier_sha256", T, sa.ForeignKey("files.sha256")),
                    sa.Column("merged_at", T), sa.Column("updated_at", T, nullable=False))
    op.create_table("transitions", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("commune", T, nullable=False), sa.Column("year", sa.Integer, nullable=False),
                    sa.Column("from_state", T, nullable=False), sa.Column("to_state", T, nullable=False),
                    sa.Column("by", T, nullable=False), sa.Column("at", T, nullable=False),
                    sa.Column("detail", T, nullable=False, server_default="{}"))
    op.create_index("transitions_commune_year", "transitions", ["commune", "year"])
    op.create_table("checks", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("commune", T, nullable=False), sa.Column("year", sa.Integer, nullable=False),
                    sa.Column("criteria", T, nullable=False), sa.Column("by", T, nullable=False),
                    sa.Column("at", T, nullable=False))
    op.create_table("decisions", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("commune", T, nullable=False), sa.Column("year", sa.Integer, nullable=False),
                    sa.Column("decision_no", T, nullable=False), sa.Column("decision_date", T, nullable=False),
                    sa.Column("result", T, nullable=False), sa.Column("by", T, nullable=False),
                    sa.Column("at", T, nullable=False))
    op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("at", T, nullable=False), sa.Column("user", T, nullable=False),
                    sa.Column("action", T, nullable=False), sa.Column("commune", T), sa.Column("year", sa.Integer),
                    sa.Column("detail", T, nullable=False), sa.Column("address", T, nullable=False, server_default=""),
                    sa.Column("prev", T, nullable=False), sa.Column("hash", T, nullable=False))
    op.create_table("audit_head", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("count", sa.Integer, nullable=False), sa.Column("hash", T, nullable=False))
