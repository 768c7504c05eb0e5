"""Signed dossiers (PDFs a commune sends, with what their verification found) and the province's trust roots.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T = sa.Text
    op.create_table("trust_roots", sa.Column("sha256", T, primary_key=True), sa.Column("subject", T, nullable=False),
                    sa.Column("der", T, nullable=False), sa.Column("not_after", T, nullable=False, server_default=""),
                    sa.Column("added_by", T, nullable=False), sa.Column("added_at", T, nullable=False),
                    sa.Column("removed_at", T))
    op.create_table("signed_dossiers", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("commune", T, sa.ForeignKey("communes.code"), nullable=False),
                    sa.Column("year", sa.Integer, nullable=False),
                    sa.Column("sha256", T, sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("name", T, nullable=False), sa.Column("by", T, nullable=False),
                    sa.Column("at", T, nullable=False), sa.Column("carries_result", sa.Boolean, nullable=False),
                    sa.Column("check_json", T, nullable=False), sa.Column("roots", T, nullable=False, server_default=""))
    op.create_index("signed_commune_year", "signed_dossiers", ["commune", "year"])

