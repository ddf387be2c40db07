# ruff: noqa: E501 - the demo rows read best one institution to two lines
"""The demo centre's directory of partner institutions (run by ``load_demo``; development
only). Idempotent: an institution already there by name is left as it is. Synthetic rows
written directly, like the demo rota: no audit events (nobody made these)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xinyuan.accounts.models import Organisation
from xinyuan.directory.models import Institution, InstitutionKind

DEMO_ORG = "示范心理援助热线"
K = InstitutionKind
DEMO = [
    ("市精神卫生中心", K.PSYCHIATRIC_HOSPITAL, "西城区", "西城区德胜门外安康路 5 号",
     "010-8200 0001", "门诊 周一至周日 8:00–17:00；急诊 24 小时", "精神科急诊、住院、心理危机干预", True),
    ("市第一人民医院 心理科", K.GENERAL_HOSPITAL, "东城区", "东城区和平里北街 18 号",
     "010-8200 0002", "周一至周五 8:00–17:00", "心理门诊、睡眠门诊、药物治疗", False),
    ("和平里社区卫生服务中心", K.COMMUNITY_HEALTH, "东城区 和平里街道", "和平里七区 3 号楼",
     "010-8200 0003", "周一至周六 8:00–17:00", "严重精神障碍患者随访管理、家庭医生签约", False),
    ("阳光社会工作服务中心", K.SOCIAL_WORK, "朝阳区", "朝阳区建外街道 12 号",
     "010-8200 0004", "周一至周五 9:00–18:00", "个案社会工作、困难家庭帮扶、哀伤辅导", False),
    ("和平里派出所", K.POLICE, "东城区 和平里街道", "和平里东街 1 号",
     "110", "24 小时", "危及生命时紧急出警、寻人", True),
    ("120 急救指挥中心", K.EMERGENCY, "全市", "", "120", "24 小时", "院前急救、转运", True),
    ("区民政局 社会救助科", K.CIVIL_AFFAIRS, "东城区", "东城区钱粮胡同 3 号",
     "010-8200 0007", "周一至周五 9:00–17:00", "最低生活保障、临时救助、特困供养", False),
    ("和平里街道办事处", K.STREET_OFFICE, "东城区 和平里街道", "和平里中街 6 号",
     "010-8200 0008", "周一至周五 9:00–17:00", "高风险人员社区报告、联防联控", False),
]  # fmt: skip


class Command(BaseCommand):
    help = "Give the demo centre a directory of partner institutions (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo directory is never loaded in production mode.")
        org = Organisation.objects.filter(name=DEMO_ORG).first()
        if org is None:
            raise CommandError("Run load_demo first.")
        added = 0
        for name, kind, region, address, phone, hours, services, green in DEMO:
            _obj, created = Institution.objects.get_or_create(
                organisation=org,
                name=name,
                defaults={
                    "kind": kind,
                    "region": region,
                    "address": address,
                    "phone": phone,
                    "hours": hours,
                    "services": services,
                    "green_channel": green,
                },
            )
            added += created
        self.stdout.write(f"Directory: {added} institutions added.")
