"""The one catalogue of findings: stable codes, severity, Vietnamese text and fix hint.

Every problem the tool reports is a `Finding` made from an entry here, so a code
means the same thing in every command, report and test. Messages are templates
filled with the context of the finding (file, sheet, cell, unit, criterion, ...).
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_LABEL = {ERROR: "Lỗi", WARNING: "Cảnh báo", INFO: "Thông tin"}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}

# code: (severity, message template, hint template)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    # --- rubric (bộ tiêu chí) -------------------------------------------------
    "rubric-unknown": (ERROR, "Không tìm thấy bộ tiêu chí “{rubric}”.",
                       "Dùng một trong các mã: {known}, hoặc đường dẫn tới tệp bộ tiêu chí .xlsx/.json."),
    "rubric-unreadable": (ERROR, "Không đọc được tệp bộ tiêu chí: {detail}.",
                          "Xuất lại tệp mẫu bằng “cdht rubric export” rồi sửa trên tệp đó."),
    "rubric-missing-field": (ERROR, "Thiếu thông tin bắt buộc “{what}”.",
                             "Điền “{what}” ở {where}."),
    "rubric-bad-id": (ERROR, "Mã “{id}” không hợp lệ.",
                      "Mã tiêu chí/nội dung chỉ gồm số và dấu chấm, ví dụ 3 hoặc 5.2."),
    "rubric-duplicate-id": (ERROR, "Mã “{id}” bị trùng.",
                            "Mỗi tiêu chí, mỗi nội dung phải có một mã riêng; đổi một trong hai mã."),
    "rubric-orphan-item": (ERROR, "Nội dung “{id}” thuộc tiêu chí “{criterion}” không có trong danh sách tiêu chí.",
                           "Thêm tiêu chí “{criterion}” ở trang “Tiêu chí” hoặc sửa mã tiêu chí của nội dung."),
    "rubric-empty-criterion": (ERROR, "Tiêu chí “{criterion}” không có nội dung nào để đánh giá.",
                               "Thêm ít nhất một dòng cho tiêu chí này ở trang “Nội dung”."),
    "rubric-bad-kind": (ERROR, "Loại nội dung “{kind}” của “{id}” không hợp lệ.",
                        "Chọn một trong: {kinds}."),
    "rubric-missing-citation": (ERROR, "“{id}” thiếu căn cứ pháp lý (điều, khoản).",
                                "Ghi điều, khoản của văn bản quy định tiêu chí/nội dung này ở cột “Căn cứ”."),
    "rubric-maxima-partial": (ERROR, "Chỉ một số tiêu chí có điểm tối đa ({count}/{total_count}).",
                              "Điền điểm tối đa cho tất cả tiêu chí hoặc để trống tất cả."),
    "rubric-maxima-sum": (ERROR, "Tổng điểm tối đa các tiêu chí là {sum}, khác tổng điểm của bộ tiêu chí ({total}).",
                          "Sửa điểm tối đa để tổng bằng {total}."),
    "rubric-item-maxima-sum": (ERROR, "Tổng điểm tối đa các nội dung của tiêu chí {criterion} là {sum}, khác điểm tối đa của tiêu chí ({max}).",
                               "Sửa điểm tối đa các nội dung để tổng bằng {max}."),
    "rubric-bad-number": (ERROR, "Giá trị “{value}” của “{what}” ({id}) không phải là số hợp lệ.",
                          "Nhập một số không âm, ví dụ 10 hoặc 7,5."),
    "rubric-threshold-order": (ERROR, "Ngưỡng của “{id}” không theo thứ tự: {detail}.",
                               "Ngưỡng mức độ 2 phải cao hơn hoặc bằng mức độ 1; ngưỡng vùng khó khăn không cao hơn ngưỡng chung; mọi ngưỡng trong 0–100%."),
    "rubric-level-option": (ERROR, "Yêu cầu “{value}” của “{id}” không có trong danh sách lựa chọn ({options}).",
                            "Ghi yêu cầu đúng như một lựa chọn; các lựa chọn xếp từ thấp đến cao, phân cách bằng dấu “;”."),
    "rubric-classes": (ERROR, "Cách xếp loại không hợp lệ: {detail}.",
                       "Xem trang “Xếp loại”: ngưỡng điểm giảm dần, mã không trùng."),
    # --- plan (kế hoạch, phân công) ------------------------------------------
    "plan-unreadable": (ERROR, "Không đọc được tệp kế hoạch: {detail}.",
                        "Tạo lại tệp bằng “cdht plan init” rồi sửa trên tệp đó."),
    "plan-missing-field": (ERROR, "Kế hoạch thiếu “{what}”.",
                           "Điền “{what}” ở trang “Thông tin”."),
    "plan-bad-year": (ERROR, "Năm đánh giá “{value}” không hợp lệ.",
                      "Ghi năm bằng 4 chữ số, ví dụ 2024."),
    "plan-bad-hard-area": (ERROR, "Giá trị “Xã thuộc vùng khó khăn” là “{value}”, không rõ có hay không.",
                           "Ghi “Có” hoặc “Không”."),
    "plan-missing-hard-area": (ERROR, "Bộ tiêu chí {rubric} cần biết xã có thuộc vùng khó khăn hay không (ngưỡng chỉ tiêu 5.2 khác nhau).",
                               "Ghi “Có” hoặc “Không” ở dòng “Xã thuộc vùng khó khăn” của trang “Thông tin”."),
    "plan-no-units": (ERROR, "Kế hoạch chưa có đơn vị nào.",
                      "Thêm các đơn vị và tiêu chí phụ trách ở trang “Phân công”."),
    "plan-duplicate-unit": (ERROR, "Đơn vị “{unit}” được ghi hai lần.",
                            "Gộp hai dòng của đơn vị này thành một."),
    "plan-unit-no-criteria": (ERROR, "Đơn vị “{unit}” chưa được giao tiêu chí nào.",
                              "Ghi các tiêu chí đơn vị phụ trách (ví dụ “2, 7, 11”) hoặc xóa dòng này."),
    "plan-unknown-criterion": (ERROR, "Đơn vị “{unit}” được giao tiêu chí “{criterion}”, không có trong bộ tiêu chí {rubric}.",
                               "Bộ tiêu chí {rubric} có các tiêu chí: {known}."),
    "plan-criterion-unassigned": (ERROR, "Tiêu chí {criterion} chưa được giao cho đơn vị nào.",
                                  "Giao tiêu chí {criterion} cho đúng một đơn vị ở trang “Phân công”."),
    "plan-criterion-twice": (ERROR, "Tiêu chí {criterion} được giao cho nhiều đơn vị: {units}.",
                             "Mỗi tiêu chí chỉ giao cho một đơn vị; xóa tiêu chí {criterion} khỏi các đơn vị còn lại."),
    "plan-bad-max": (ERROR, "Điểm tối đa “{value}” của tiêu chí {criterion} không hợp lệ.",
                     "Nhập một số không âm, ví dụ 10 hoặc 7,5; tổng điểm tối đa phải bằng {total}."),
    "rubric-repealed": (WARNING, "{rubric_name} đã hết hiệu lực từ {repealed_from}, thay bằng {repealed_by}; năm đánh giá {year} vẫn dùng bộ tiêu chí cũ.",
                        "Nếu địa phương đã áp dụng TT 25/2023, tạo lại kế hoạch với --rubric tt25-2023."),
    "rubric-not-yet-in-force": (WARNING, "{rubric_name} có hiệu lực từ {in_force_from}, sau năm đánh giá {year}.",
                                "Kiểm tra lại năm đánh giá hoặc bộ tiêu chí."),
    "maxima-unknown": (INFO, "Bộ tiêu chí {rubric} chưa có điểm tối đa của từng tiêu chí (Phụ lục TT 44/2014 chưa có trong công cụ); chỉ kiểm tra điểm ≥ 0, đúng bước {step} và tổng ≤ {total}.",
                       "Nếu tỉnh/huyện đã hướng dẫn điểm tối đa, nhập vào bộ tiêu chí riêng (cdht rubric export) để công cụ kiểm tra từng tiêu chí."),
    # --- output ----------------------------------------------------------------
    "output-unwritable": (ERROR, "Không ghi được tệp kết quả {file}: {detail}.",
                          "Đóng tệp nếu đang mở trong Excel, kiểm tra thư mục có tồn tại và có quyền ghi."),
    "output-is-input": (ERROR, "Tệp kết quả {file} trùng với một tệp đầu vào.",
                        "Chọn tên khác cho tệp kết quả; công cụ không bao giờ ghi đè tệp đầu vào."),
}


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    hint: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    unit: str | None = None
    criterion: str | None = None
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("extra")
        return data

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"tệp “{self.file}”")
        if self.sheet:
            parts.append(f"trang “{self.sheet}”")
        if self.cell:
            parts.append(f"ô {self.cell}")
        return ", ".join(parts)

    def line(self) -> str:
        """One terminal line: '[Lỗi] where: message → hint'."""
        where = self.where()
        prefix = f"[{SEVERITY_LABEL[self.severity]}] " + (f"{where}: " if where else "")
        return f"{prefix}{self.message} → {self.hint}"


def make(code: str, *, file=None, sheet=None, cell=None, unit=None, criterion=None, **context) -> Finding:
    severity, message, hint = CATALOGUE[code]
    context = {"file": file, "sheet": sheet, "cell": cell, "unit": unit, "criterion": criterion, **context}
    return Finding(code=code, severity=severity, message=message.format(**context),
                   hint=hint.format(**context), file=file, sheet=sheet, cell=cell, unit=unit,
                   criterion=criterion, extra=context)


def has_errors(findings) -> bool:
    return any(f.severity == ERROR for f in findings)


def sort_key(finding: Finding):
    return (SEVERITY_ORDER[finding.severity], finding.file or "", finding.sheet or "",
            finding.criterion or "", finding.cell or "", finding.code, finding.message)
