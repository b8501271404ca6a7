"""`ltc backup` and `ltc restore`: a round trip brings back every row, the ledger and the
numbering, and the stored files — on SQLite and on PostgreSQL."""

import json
import tarfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ltc.billing import selectors as billing_selectors
from ltc.billing import services as billing_services
from ltc.billing.models import Invoice
from ltc.billing.tests.factories import issue_drafts
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.backup import backup_read_manifest, row_counts
from ltc.core.models import NumberSequence
from ltc.customers.models import Account


def _state(world, contract):
    return {
        "counts": row_counts(),
        "balance": billing_selectors.balances(user=world.finance, account=contract.account_id),
        "sequences": sorted(NumberSequence.objects.values_list("series", "year", "last_value")),
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_rows_ledger_numbering_and_files(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    contract = signed_contract(world, team_of(world))
    (invoice,) = issue_drafts(contract, world.finance)
    billing_services.payment_record(
        actor=world.finance,
        data={
            "account_id": contract.account_id,
            "amount": "1000.00",
            "received_on": str(timezone.localdate()),
            "bank_reference": "BK-1",
            "allocations": [{"invoice_id": invoice.pk, "amount": "1000.00"}],
        },
    )
    stored = default_storage.save("contracts/signed.pdf", ContentFile(b"%PDF-1.4 signed copy"))
    before = _state(world, contract)
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    assert backup_read_manifest(archive).counts == before["counts"]

    # Work goes on after the backup: another invoice issued, a customer added, a file gone.
    billing_services.invoice_credit(actor=world.finance, invoice=invoice, value="100.00", reason="折让")
    Account.objects.create(name="备份之后的客户有限公司", owner=world.owner)
    default_storage.delete(stored)
    assert _state(world, contract) != before

    call_command("restore", str(archive), yes=True)

    after = _state(world, contract)
    assert after == before
    assert after["balance"]["balance"] == before["balance"]["balance"]
    assert Invoice.objects.get(pk=invoice.pk).open_amount == invoice.total - Decimal("1000.00")
    assert default_storage.open(stored).read() == b"%PDF-1.4 signed copy"
    # The next credit note takes the number the backup's series continues with, not a later one.
    note = billing_services.invoice_credit(actor=world.finance, invoice=invoice, value="100.00", reason="折让")
    assert note.number.endswith("-000001")
    # What was replaced is kept: the stored files beside, the whole state in a backup of its own.
    assert list(tmp_path.glob("media.before-restore-*"))
    (kept,) = tmp_path.glob("backups/ltc-before-restore-*.tar.gz")
    assert backup_read_manifest(kept).counts["customers.Account"] == before["counts"]["customers.Account"] + 1


def test_an_archive_that_is_not_a_backup_is_refused(tmp_path, db):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="not an LTC backup"):
        call_command("restore", str(bogus), yes=True)


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_a_newer_version_is_refused(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    manifest = json.loads((unpacked / "manifest.json").read_text())
    manifest["migrations"].append("billing.9999_from_the_future")
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(newer, "w:gz") as tar:
        for item in unpacked.iterdir():
            tar.add(item, arcname=item.name)
    with pytest.raises(CommandError, match="newer version"):
        call_command("restore", str(newer), yes=True)
