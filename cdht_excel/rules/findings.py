"""The one catalogue of findings: stable codes, severity, Vietnamese text and fix hint.

Every problem the tool reports is a `Finding` made from an entry here, so a code
means the same thing in every command, report and test. Messages are templates
filled with the context of the finding (file, sheet, cell, unit, criterion, ...).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_LABEL = {ERROR: "Lỗi", WARNING: "Cảnh báo", INFO: "Thông tin"}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}

# code: (severity, message template, hint template)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    # --- rubric (bộ tiêu chí) -------------------------------------------------
    "rubric-unknown": (ERROR, "Không tìm thấy bộ tiêu chí “{rubric}”.",
                       "Dùng một trong các mã: {known}, hoặc đường dẫn tới tệp bộ tiêu chí .xlsx/.json."),
    "rubric-unreadable": (ERROR, "Không đọc được tệp bộ tiêu chí: {detail}.",
                          "Xuất lại tệp bộ tiêu chí mẫu{rubric_export_cmd} rồi sửa trên tệp đó."),
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
                        "Tạo lại tệp kế hoạch mẫu{plan_init_cmd} rồi sửa trên tệp đó."),
    "plan-missing-field": (ERROR, "Kế hoạch thiếu “{what}”.",
                           "Điền “{what}” ở trang “Thông tin”."),
    "plan-bad-year": (ERROR, "Năm đánh giá “{value}” không hợp lệ.",
                      "Ghi năm bằng 4 chữ số, ví dụ 2024."),
    "plan-bad-hard-area": (ERROR, "Giá trị “Xã thuộc vùng khó khăn” là “{value}”, không rõ có hay không.",
                           "Ghi “Có” hoặc “Không”."),
    "plan-bad-report-by": (ERROR, "Giá trị “Cơ quan ban hành báo cáo” là “{value}”, không rõ cơ quan nào.",
                           "Ghi {choices} ở trang “Thông tin”."),
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
                        "Nếu địa phương đã áp dụng TT 25/2023, tạo lại kế hoạch và mẫu phiếu theo TT 25/2023{tt25_how}."),
    "rubric-not-yet-in-force": (WARNING, "{rubric_name} có hiệu lực từ {in_force_from}, sau năm đánh giá {year}.",
                                "Kiểm tra lại năm đánh giá hoặc bộ tiêu chí."),
    "maxima-unknown": (INFO, "Bộ tiêu chí {rubric} chưa có điểm tối đa của từng tiêu chí (Phụ lục TT 44/2014 chưa có trong công cụ); chỉ kiểm tra điểm ≥ 0, đúng bước {step} và tổng ≤ {total}.",
                       "Nếu tỉnh/huyện đã hướng dẫn điểm tối đa, nhập vào bộ tiêu chí riêng{rubric_export_cmd} để công cụ kiểm tra từng tiêu chí."),
    # --- reading files ------------------------------------------------------------
    "no-input": (ERROR, "Không tìm thấy tệp bảng tính nào trong: {inputs}.",
                 "Chỉ định tệp hoặc thư mục chứa các phiếu .xlsx, .xlsm, .xls, .ods đã điền."),
    "no-readable-input": (ERROR, "Không có phiếu nào đọc được trong {count} tệp đã cho.",
                          "Xem lỗi của từng tệp trong danh sách này; cần ít nhất một phiếu tạo từ mẫu cdht-excel."),
    "input-missing": (ERROR, "Không có tệp hoặc thư mục “{path}”.",
                      "Kiểm tra lại đường dẫn (đặt trong dấu ngoặc kép nếu có dấu cách)."),
    "file-empty": (ERROR, "Tệp rỗng (0 byte).",
                   "Tệp bị hỏng khi gửi/tải về; đề nghị đơn vị gửi lại."),
    "file-too-large": (ERROR, "Tệp quá lớn ({size} MB, tối đa {limit} MB).",
                       "Phiếu đánh giá chỉ vài chục KB; xóa ảnh/dữ liệu thừa hoặc dùng lại mẫu gốc."),
    "file-not-workbook": (ERROR, "Tệp không phải bảng tính Excel/LibreOffice ({detail}).",
                          "Có thể là tệp Word hoặc tệp khác bị đổi đuôi; đề nghị đơn vị gửi đúng tệp phiếu đã điền."),
    "file-corrupt": (ERROR, "Tệp bảng tính bị hỏng, không đọc được ({detail}).",
                     "Mở thử bằng Excel/LibreOffice và lưu lại; nếu không mở được, đề nghị đơn vị gửi lại."),
    "file-encrypted": (ERROR, "Tệp được đặt mật khẩu mở tệp ({detail}), công cụ không đọc được.",
                       "Đề nghị đơn vị bỏ mật khẩu rồi gửi lại (Excel: Tệp → Thông tin → Bảo vệ sổ làm việc → "
                       "Mã hóa bằng mật khẩu, xóa mật khẩu; LibreOffice: Lưu thành, bỏ chọn “Lưu với mật khẩu”)."),
    "file-encrypted-old": (ERROR, "Tệp là bảng tính dạng {detail} và được đặt mật khẩu mở tệp; công cụ không đọc được dạng này, cũng không đọc được tệp có mật khẩu.",
                           "Đề nghị đơn vị mở tệp bằng Excel (nhập mật khẩu), bỏ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc → "
                           "Mã hóa bằng mật khẩu, xóa mật khẩu), lưu lại thành .xlsx (Sổ làm việc Excel) rồi gửi lại."),
    "file-unsupported": (ERROR, "Tệp là bảng tính dạng {detail}, công cụ không đọc dạng này.",
                         "Đề nghị đơn vị mở tệp bằng Excel/LibreOffice, lưu lại thành .xlsx (Sổ làm việc Excel) rồi gửi lại."),
    "file-not-regular": (ERROR, "Đây không phải tệp thông thường ({detail}); không mở để đọc.",
                         "Chép đúng tệp phiếu vào thư mục (không dùng đường ống, thiết bị hay socket mang tên .xlsx)."),
    "file-unreadable": (ERROR, "Không có quyền đọc tệp ({detail}).",
                        "Cấp quyền đọc cho tệp (hoặc chép tệp sang thư mục của mình) rồi chạy lại."),
    "file-link-broken": (ERROR, "Liên kết tắt (symlink) hỏng hoặc trỏ vòng vào chính nó ({detail}); đã bỏ qua.",
                         "Xóa liên kết này hoặc thay bằng tệp thật rồi chạy lại."),
    "file-wrong-extension": (WARNING, "Tệp mang đuôi “{extension}” nhưng thực chất là bảng tính {real}; đã đọc theo nội dung tệp.",
                             "Đổi tên tệp cho đúng đuôi {fix} (hoặc mở bằng Excel/LibreOffice và “Lưu thành” .xlsx); đổi đuôi không chuyển được định dạng tệp."),
    "file-reader-crashed": (ERROR, "Bộ đọc bảng tính bị dừng khi đọc tệp này ({detail}); đã bỏ qua tệp, các tệp khác vẫn được đọc.",
                            "Tệp bị hỏng hoặc có số liệu khai báo bất thường; đề nghị đơn vị mở bằng Excel/LibreOffice, "
                            "lưu lại thành .xlsx rồi gửi lại."),
    "file-reader-timeout": (ERROR, "Đọc tệp này quá lâu ({detail}); đã dừng và bỏ qua tệp.",
                            "Đề nghị đơn vị mở bằng Excel/LibreOffice, lưu lại thành .xlsx rồi gửi lại."),
    "file-zip-bomb": (ERROR, "Tệp có nội dung nén bất thường ({detail}); đã bỏ qua để an toàn.",
                      "Đề nghị đơn vị gửi lại phiếu từ mẫu gốc."),
    "file-xml-unsafe": (ERROR, "Tệp chứa XML không an toàn hoặc hỏng ({detail}); đã bỏ qua.",
                        "Đề nghị đơn vị gửi lại phiếu từ mẫu gốc."),
    "file-too-big-content": (ERROR, "Tệp có quá nhiều dữ liệu ({detail}); đã bỏ qua.",
                             "Phiếu đánh giá chỉ có vài chục dòng; dùng lại mẫu gốc."),
    "file-not-template": (ERROR, "Tệp không phải phiếu của cdht-excel (không có dấu nhận dạng).",
                          "Đơn vị cần điền vào mẫu do thư ký gửi{template_how}, không tự lập bảng mới."),
    "file-no-units": (ERROR, "Tệp là mẫu của cdht-excel nhưng không còn trang đơn vị nào (trang đã bị xóa hoặc hỏng).",
                      "Đề nghị đơn vị điền lại vào trang của mình trong mẫu gốc và gửi lại."),
    "file-macros": (INFO, "Tệp có macro; công cụ không bao giờ chạy macro, chỉ đọc giá trị.",
                    "Không cần làm gì."),
    "file-external-links": (WARNING, "Tệp có liên kết tới tệp/nguồn ngoài ({detail}); đã bỏ qua liên kết, chỉ đọc giá trị đã lưu.",
                            "Dán giá trị (Paste Values) thay cho công thức liên kết rồi lưu lại."),
    "sheet-copied": (INFO, "Trang của đơn vị đã được chép sang tệp khác (không còn trang thông tin ẩn); vẫn đọc được.",
                     "Không cần làm gì."),
    "sheet-renamed": (WARNING, "Trang của {unit} đã bị đổi tên thành “{sheet}” (tên trong mẫu: “{expected}”); vẫn nhận ra theo dấu nhận dạng.",
                      "Không cần làm gì; lần sau nên giữ nguyên tên trang."),
    "evidence-merged": (WARNING, "Ô {cell} nằm trong vùng ô gộp {range}; dùng chung nội dung của ô {origin} cho {item_label}.",
                        "Nên bỏ gộp ô và ghi minh chứng riêng cho từng tiêu chí."),
    "names-lost": (INFO, "Tên ô (CDHT_…) bị mất hoặc lệch; đã đọc theo cột mã ẩn.",
                   "Không cần làm gì; lần sau nên điền trực tiếp vào mẫu."),
    "other-commune": (ERROR, "Phiếu của {other} (năm {other_year}), không phải của {expected}; đã bỏ qua.",
                      "Kiểm tra lại tệp: có thể gửi nhầm phiếu của xã khác."),
    "other-year": (ERROR, "Phiếu của năm {other_year}, không phải năm {expected_year}; đã bỏ qua.",
                   "Dùng mẫu của năm {expected_year}."),
    "other-rubric": (ERROR, "Phiếu dùng bộ tiêu chí khác ({other_rubric}), không phải {expected_rubric}; đã bỏ qua.",
                     "Mọi đơn vị phải điền cùng một mẫu; gửi lại mẫu đúng cho đơn vị."),
    "name-diacritics": (WARNING, "“{a}” và “{b}” chỉ khác nhau ở dấu; được coi là hai {what} khác nhau.",
                        "Nếu là cùng một nơi (gõ nhầm dấu), sửa tên cho đúng ở kế hoạch, mẫu phiếu hoặc danh sách rồi chạy lại."),
    "stamp-mismatch": (ERROR, "Dấu nhận dạng của trang ghi {sheet_commune} (mẫu {sheet_template}) nhưng trang thông tin ẩn của tệp ghi {meta_commune} (mẫu {meta_template}); trang này không được tổng hợp.",
                       "Trang có thể đã bị chép từ phiếu của xã khác hoặc bị sửa dấu nhận dạng; đề nghị đơn vị điền vào mẫu đúng của xã rồi gửi lại."),
    "template-mismatch": (WARNING, "Phiếu tạo từ một mẫu khác (mã mẫu {other}) của cùng xã, năm và bộ tiêu chí; vẫn đọc theo tên ô.",
                          "Nên dùng một mẫu cho cả xã; kiểm tra lại phân công nếu kế hoạch đã thay đổi."),
    "unit-unknown": (WARNING, "Trang của đơn vị “{unit}” không có trong kế hoạch; đã bỏ qua.",
                     "Kiểm tra phân công trong kế hoạch."),
    "unit-missing": (ERROR, "Chưa có phiếu của {unit} (tiêu chí {criteria}).",
                     "Nhận phiếu đã điền của đơn vị và đặt vào cùng thư mục."),
    "unit-not-filled": (ERROR, "Phiếu của {unit} chưa được điền (tiêu chí {criteria}); trang có trong {files} nhưng còn trống.",
                        "Đề nghị đơn vị điền trang của mình và gửi lại."),
    "unit-conflict": (ERROR, "{unit}: các bản khác nhau ở {item_label} – {values}; {later}. Chưa chọn bản nào cho {item_label}; các nội dung giống nhau vẫn được tính.",
                      "Giữ lại một bản đúng, bỏ bản kia ra khỏi {the_inputs} rồi tổng hợp lại; hoặc {prefer_newer}."),
    "conflicts-newer-chosen": (WARNING, "Đã lấy bản lưu sau cho {count} nội dung khác nhau giữa các bản{newer_asked}: {overrides}.",
                               "Kiểm tra lại các nội dung này; nếu bản cũ mới đúng, bỏ bản lưu sau ra khỏi {the_inputs} rồi tổng hợp lại."),
    "unit-duplicate": (INFO, "{unit}: có {count} bản giống hệt nhau ({files}); đã gộp làm một.",
                       "Không cần làm gì."),
    # --- values ---------------------------------------------------------------------
    "value-empty": (ERROR, "{what} của {item_label} còn trống.",
                    "Điền {what_lower} vào ô {cell}."),
    "score-not-number": (ERROR, "Điểm của tiêu chí {criterion} là “{value}”, không phải là số.",
                         "Nhập số, ví dụ 7,5 hoặc 7.5."),
    "score-negative": (ERROR, "Điểm của tiêu chí {criterion} là {value}, nhỏ hơn 0.",
                       "Điểm từ 0 trở lên."),
    "score-above-max": (ERROR, "Điểm của {item_label} là {value}, lớn hơn điểm tối đa {max}.",
                        "Chấm lại, tối đa {max} điểm."),
    "score-off-step": (ERROR, "Điểm của tiêu chí {criterion} là {value}, không theo bước {step}.",
                       "Làm tròn theo bước {step}, ví dụ 6 hoặc 6,5."),
    "score-without-evidence": (ERROR, "Tiêu chí {criterion} được {value} điểm nhưng không có minh chứng; theo {citation}, tiêu chí này được tính 0 điểm.",
                               "Ghi minh chứng (số, ngày, trích yếu văn bản) vào ô {cell}, hoặc chấm 0 điểm."),
    "total-above-max": (ERROR, "Tổng điểm {total} vượt quá tổng điểm tối đa {max}.",
                        "Rà soát lại điểm từng tiêu chí."),
    "criterion-zero": (WARNING, "Tiêu chí {criterion} bị điểm 0; theo {citation}, xã không được xếp loại Tốt, Khá hay Trung bình.",
                       "Kiểm tra lại tiêu chí {criterion} và minh chứng."),
    "result-invalid": (ERROR, "Kết quả của chỉ tiêu {item} là “{value}”, không phải Đạt/Không đạt.",
                       "Chọn Đạt hoặc Không đạt trong danh sách."),
    "level-invalid": (ERROR, "Mức của chỉ tiêu {item} là “{value}”, không có trong danh sách ({options}).",
                      "Chọn một mức trong danh sách."),
    "count-invalid": (ERROR, "Số liệu “{label}” của chỉ tiêu {item} là “{value}”, không phải số nguyên không âm.",
                      "Nhập số người, ví dụ 5230."),
    "count-above-base": (ERROR, "Số liệu “{label}” của chỉ tiêu {item} ({value}) lớn hơn tổng số “{base_label}” ({base}).",
                         "Kiểm tra lại số liệu; tử số không thể lớn hơn mẫu số."),
    "count-base-zero": (ERROR, "Tổng số “{base_label}” của chỉ tiêu {item} bằng 0, không tính được tỷ lệ.",
                        "Nhập tổng số công dân trong xã."),
    "count-base-differs": (WARNING, "“{base_label}” được nhập khác nhau ở các chỉ tiêu: {values}.",
                           "Nhập cùng một số công dân trong xã cho mọi chỉ tiêu tỷ lệ."),
    "result-without-evidence": (WARNING, "Chỉ tiêu {item} được đánh giá nhưng không có minh chứng.",
                                "Ghi minh chứng (số, ngày, trích yếu văn bản) vào ô {cell}."),
    "evidence-cut": (WARNING, "Minh chứng của {item_label} ở ô {cell} dài đúng bằng giới hạn một ô ({limit} ký tự); có thể đã bị cắt mất phần cuối.",
                     "Rút gọn minh chứng (ghi số, ngày, trích yếu văn bản) hoặc ghi phần còn lại vào cột “Ghi chú”."),
    "text-legacy-encoding": (WARNING, "Ô {cell} được gõ bằng bảng mã cũ {encoding}; đã chuyển sang Unicode: “{before}” → “{after}”.",
                             "Kiểm tra lại nội dung đã chuyển; lần sau gõ bằng bảng mã Unicode (Unikey/EVKey: bảng mã Unicode, phông Times New Roman) hoặc chuyển mã văn bản cũ trước khi dán."),
    "formula-no-value": (ERROR, "Ô {cell} chứa công thức “{formula}” chưa có giá trị đã tính.",
                         "Mở tệp bằng Excel/LibreOffice, để tính lại rồi lưu; hoặc nhập số trực tiếp."),
    "result-certain": (INFO, "Kết quả đã xác định dù còn thiếu dữ liệu: {label} – {why}.",
                       "Vẫn cần bổ sung, sửa các mục còn thiếu để hồ sơ đầy đủ; kết quả không thay đổi."),
    "incomplete": (ERROR, "Chưa đủ dữ liệu để xếp loại: {reason}.",
                   "Sửa các lỗi đã nêu rồi tổng hợp lại."),
    "hard-area-unknown": (ERROR, "Không rõ xã có thuộc vùng khó khăn hay không; không tính được chỉ tiêu 5.2.",
                          "Ghi “Có” hoặc “Không” ở kế hoạch rồi tạo lại mẫu."),
    # --- district (cấp huyện / tỉnh) ---------------------------------------------
    "summary-unreadable": (ERROR, "Không đọc được kết quả trong tệp tổng hợp ({detail}).",
                           "Tổng hợp lại phiếu của xã này{merge_cmd} để tạo lại tệp tổng hợp."),
    "commune-not-merged": (ERROR, "Không tổng hợp được thư mục phiếu của xã: {detail}.",
                           "Kiểm tra thư mục: mỗi xã một thư mục, chứa các phiếu đơn vị đã điền."),
    "commune-duplicate": (INFO, "{commune} có {count} bản giống nhau ({files}); đã tính một lần.",
                          "Không cần làm gì."),
    "commune-conflict": (ERROR, "{commune} có hai kết quả khác nhau: “{file_a}” ({a}) và “{file_b}” ({b}); chưa tính xã này.",
                         "Giữ lại bản đúng, bỏ bản kia ra khỏi thư mục rồi chạy lại."),
    "commune-other-year": (ERROR, "{commune}: kết quả năm {other_year}, không phải năm {expected_year}; đã bỏ qua.",
                           "Chỉ đưa vào kết quả của năm {expected_year}."),
    "commune-other-rubric": (ERROR, "{commune}: đánh giá theo {other_rubric}, khác bộ tiêu chí chung {expected_rubric}; đã bỏ qua.",
                             "Tổng hợp riêng các xã theo từng bộ tiêu chí."),
    "summary-edited": (ERROR, "{commune}: trang “Kết quả” hiển thị {shown}, khác kết quả máy đọc ({stored}); tệp tổng hợp đã bị sửa tay, chưa tính xã này.",
                       "Đề nghị xã tổng hợp lại{merge_cmd} từ các phiếu của đơn vị và gửi lại tệp tổng hợp (không sửa tay tệp tổng hợp)."),
    "summary-tampered": (ERROR, "{commune}: {what} ghi trong tệp tổng hợp là {stored}, tính lại từ dữ liệu từng tiêu chí được {recomputed}; tệp đã bị sửa sau khi tổng hợp, chưa tính xã này.",
                         "Đề nghị xã tổng hợp lại{merge_cmd} từ các phiếu của đơn vị và gửi lại tệp tổng hợp (không sửa tay tệp tổng hợp)."),
    "summary-rubric-changed": (ERROR, "{commune}: bộ tiêu chí mang theo trong tệp tổng hợp ({rubric}) khác bộ tiêu chí gốc ở những chỗ ngoài điểm tối đa từng tiêu chí (xếp loại, ngưỡng); chưa tính xã này.",
                               "Đề nghị xã tổng hợp lại{merge_cmd} với bộ tiêu chí gốc và gửi lại tệp tổng hợp."),
    "summary-unverifiable": (WARNING, "{commune}: tệp tổng hợp không mang bộ tiêu chí đã dùng ({rubric}), không tính lại được tổng điểm và xếp loại; vẫn tính theo kết quả ghi trong tệp.",
                             "Đề nghị xã tổng hợp lại bằng phiên bản mới của công cụ{merge_cmd} (tệp tổng hợp mới mang theo bộ tiêu chí) và gửi lại."),
    "summary-differs-from-returns": (WARNING, "{commune}, tiêu chí {criterion}: tệp tổng hợp ghi {summary_value}, phiếu của đơn vị ({folder}) cho {returns_value}; dùng kết quả tính từ phiếu của đơn vị.",
                                     "Đối chiếu với xã: tệp tổng hợp cũ hoặc đã bị sửa; nếu phiếu đúng, đề nghị xã tổng hợp lại{merge_cmd} và gửi lại."),
    "summary-altered": (ERROR, "{commune}: tệp tổng hợp “{file}” được tạo từ đúng các tệp phiếu trong {folder} nhưng ghi kết quả khác ({count} tiêu chí): tệp tổng hợp đã bị sửa sau khi tổng hợp; dùng kết quả tính từ phiếu.",
                        "Báo cho xã biết tệp tổng hợp gửi lên không khớp với phiếu của chính các đơn vị; dùng kết quả tính từ phiếu."),
    "summary-same-files": (INFO, "{commune}: tệp tổng hợp được tạo từ đúng {count} tệp phiếu trong {folder} (mã băm SHA-256 trùng khớp).",
                           "Không cần làm gì."),
    "summary-other-files": (WARNING, "{commune}: tệp tổng hợp không được tạo từ đúng các tệp phiếu trong {folder} ({missing} tệp ghi trong tệp tổng hợp không có trong thư mục, {extra} tệp trong thư mục không có trong tệp tổng hợp); dùng kết quả tính từ phiếu.",
                            "Hỏi xã bộ phiếu nào là bản cuối; đề nghị xã tổng hợp lại{merge_cmd} trên đúng bộ phiếu đó."),
    "summary-no-digests": (INFO, "{commune}: tệp tổng hợp do phiên bản cũ tạo, không ghi mã băm các tệp phiếu; không đối chiếu được bộ phiếu; dùng kết quả tính từ phiếu.",
                           "Không cần làm gì; lần sau xã dùng phiên bản mới."),
    "commune-incomplete": (WARNING, "{commune}: kết quả chưa đầy đủ, chưa xếp loại ({errors} lỗi).",
                           "Đề nghị xã sửa các lỗi trong tệp tổng hợp của xã rồi gửi lại."),
    "commune-missing": (ERROR, "Chưa có kết quả của {commune}.",
                        "Nhận tệp tổng hợp hoặc thư mục phiếu của xã này."),
    "commune-unexpected": (WARNING, "{commune} không có trong danh sách xã đã cho; không tính xã này và không đưa vào hồ sơ.",
                           "Kiểm tra tên xã trong danh sách các xã{communes_how} hoặc trong phiếu."),
    # --- the level above's own check (cdht district --check-form / --checked) ------
    "check-form-not-form": (ERROR, "Tệp không phải phiếu kiểm tra do công cụ tạo{check_form_cmd}: không có trang ẩn của phiếu kiểm tra.",
                            "Tạo phiếu kiểm tra{check_form_cmd}, ghi kết quả kiểm tra vào phiếu đó rồi {give_checked}."),
    "check-form-no-rows": (ERROR, "Phiếu kiểm tra không còn dòng nào có mã ẩn ở cột A.",
                           "Không xóa cột A (cột ẩn) và các dòng của phiếu; nếu cần, tạo lại phiếu và ghi lại kết quả kiểm tra."),
    "check-form-other": (ERROR, "Phiếu kiểm tra lập cho bộ tiêu chí {form_rubric}, năm {form_year}; các xã đang tổng hợp theo {rubric}, năm {year}. Chưa dùng phiếu này.",
                         "Dùng phiếu kiểm tra tạo từ chính các tệp của năm {year}{check_form_cmd}."),
    "check-commune-not-in-form": (WARNING, "{commune} không có trong phiếu kiểm tra; chưa có kết quả kiểm tra của xã này.",
                                  "Tạo lại phiếu kiểm tra{check_form_cmd} có cả xã này, hoặc bổ sung kết quả kiểm tra sau."),
    "check-commune-unknown": (WARNING, "Phiếu kiểm tra có {commune} nhưng các tệp đã cho không có kết quả tự đánh giá của xã này; đã bỏ qua.",
                              "Đưa tệp tổng hợp (hoặc thư mục phiếu) của xã này vào lệnh rồi chạy lại."),
    "check-commune-unchecked": (WARNING, "{commune}: còn {blanks}/{count} ô kết quả kiểm tra để trống; xã được báo là chưa kiểm tra xong, chưa xếp loại theo kết quả kiểm tra.",
                                "Ghi kết quả kiểm tra vào các ô còn trống của xã này trên phiếu rồi {give_checked}."),
    "check-value-invalid": (ERROR, "{commune}: kết quả kiểm tra của {item} là “{value}”, không hợp lệ (cần {expected}).",
                            "Sửa ô {cell} trên phiếu kiểm tra rồi {give_checked}; xã này chưa được xếp loại theo kết quả kiểm tra."),
    "check-differs": (WARNING, "{commune}, {item}: tự đánh giá {self_text}, kiểm tra {check_text}{note}.",
                      "Kết quả kiểm tra được dùng để xếp loại; thông báo cho xã nội dung chênh lệch."),
    "check-class-differs": (WARNING, "{commune}: tự đánh giá “{self_class}”, kết quả kiểm tra “{check_class}”.",
                            "Quyết định công nhận theo kết quả kiểm tra; thông báo cho xã lý do."),
    # --- year over year (cdht district --previous) ----------------------------------
    "previous-unreadable": (ERROR, "Không đọc được kết quả năm trước ({detail}).",
                            "Dùng tệp JSON kết quả tổng hợp các xã của năm trước{district_json_how}."),
    "previous-commune-absent": (WARNING, "{commune} có kết quả năm {year} nhưng năm nay chưa có.",
                                "Nhận tệp tổng hợp của xã này, hoặc bỏ qua nếu xã đã sáp nhập, giải thể."),
    "previous-raise-too-early": (WARNING, "{commune} đạt mức độ {level} năm nay nhưng năm {year} chưa được công nhận mức độ {below}; theo {citation}, chỉ được đề nghị công nhận mức độ {level} sau ít nhất 12 tháng kể từ ngày có quyết định công nhận mức độ {below}.",
                                 "Kiểm tra quyết định công nhận mức độ {below} của xã; nếu chưa đủ 12 tháng, chỉ xem xét công nhận mức độ {below}."),
    "previous-raise-check-date": (INFO, "{commune} được công nhận mức độ {below} năm {year}, năm nay đạt mức độ {level}; theo {citation}, cần đủ 12 tháng kể từ ngày có quyết định công nhận mức độ {below}.",
                                  "Đối chiếu ngày của quyết định công nhận mức độ {below} trước khi công nhận mức độ {level}."),
    # --- the level above's dossier (cdht district --docs) ---------------------------
    "docs-authority-unknown": (WARNING, "Năm đánh giá {year}: từ ngày 01/07/2025 không còn cấp huyện, cơ quan công nhận thay cho {default} chưa được xác minh; hồ sơ để trống tên cơ quan công nhận và người ký.",
                               "Ghi tên cơ quan và người ký theo hướng dẫn của tỉnh{authority_how}."),
    "docs-settings-unreadable": (ERROR, "Không đọc được tệp thiết lập hồ sơ ({detail}).",
                                 "Tệp JSON, ví dụ {{\"authority\": \"Ủy ban nhân dân xã …\", \"authority_head\": \"Chủ tịch Ủy ban nhân dân xã …\", \"signer\": \"Nguyễn Văn A\"}}."),
    # --- uploads (cdht web) ----------------------------------------------------
    "upload-too-many": (ERROR, "Có {count} tệp, nhiều hơn mức cho phép trong một lần tải lên ({limit} tệp).",
                        "Chia thành nhiều lần tải lên, hoặc chỉ chọn các phiếu cần tổng hợp."),
    "upload-too-large": (ERROR, "Các tệp tải lên quá lớn ({size} MB, tối đa {limit} MB một lần).",
                         "Chỉ chọn các phiếu cần tổng hợp (mỗi phiếu thường dưới 1 MB), hoặc chia thành nhiều lần."),
    "upload-rubric-not-offered": (ERROR, "Bộ tiêu chí “{rubric}” không có trên trang.",
                                  "Chọn một bộ tiêu chí có sẵn ({known}), hoặc chọn “Bộ tiêu chí riêng của tỉnh/huyện” và tải tệp đó lên."),
    "upload-plan-rubric-outside": (ERROR, "Kế hoạch ghi bộ tiêu chí “{rubric}”, không phải bộ có sẵn và không có trong các tệp đã tải lên.",
                                   "Ghi mã bộ tiêu chí có sẵn ({known}) ở dòng “Bộ tiêu chí” của kế hoạch, hoặc ghi tên tệp bộ tiêu chí riêng và tải tệp đó lên cùng kế hoạch (ô “Bộ tiêu chí riêng của tỉnh/huyện”)."),
    "upload-field-too-large": (ERROR, "Một ô chữ của biểu mẫu dài quá mức cho phép ({limit} MB).",
                               "Gõ ngắn lại nội dung các ô (tên xã, cơ quan, người ký …) rồi gửi lại; tệp thì chọn ở ô chọn tệp."),
    "upload-file-unsaved": (ERROR, "Không lưu được tệp “{file}” trên máy ({detail}); đã bỏ qua tệp này.",
                            "Đổi tên tệp cho ngắn hơn hoặc khác tên thư mục cùng chỗ, rồi tải lên lại tệp này."),
    "archive-unreadable": (ERROR, "Không mở được tệp nén .zip ({detail}); đã bỏ qua.",
                           "Nén lại thư mục bằng “Send to → Compressed (zipped) folder”, hoặc tải lên từng tệp."),
    "web-port-busy": (ERROR, "Cổng {port} đang được chương trình khác dùng.",
                      "{port_how}"),
    # --- the province service (cdht serve) --------------------------------------
    "service-other-commune": (ERROR, "Tệp là phiếu của “{found}”, không phải của “{commune}”; không tính vào kết quả.",
                              "Gửi phiếu làm từ mẫu của đúng xã này{service_template_how}."),
    "service-other-year": (ERROR, "Tệp là phiếu năm {found}, không phải năm {year}; không tính vào kết quả.",
                           "Gửi phiếu làm từ mẫu của năm {year}."),
    "service-other-province": (ERROR, "Tệp là phiếu của tỉnh “{found}”, không phải “{province}”; không tính vào kết quả.",
                               "Gửi phiếu làm từ mẫu có đúng tên tỉnh (tải mẫu trên trang của xã)."),
    "service-other-unit": (ERROR, "Liên kết này dành cho đơn vị “{unit}”, nhưng tệp là phiếu của: {found}; không tính vào kết quả.",
                           "Mỗi đơn vị gửi phiếu của mình qua liên kết của mình; hỏi thư ký xã nếu cần liên kết khác."),
    # --- output ----------------------------------------------------------------
    "output-unwritable": (ERROR, "Không ghi được tệp kết quả {file}: {detail}.",
                          "Đóng tệp nếu đang mở trong Excel, kiểm tra thư mục có tồn tại và có quyền ghi."),
    "output-disk-full": (ERROR, "Không ghi được tệp kết quả {file}: ổ đĩa đã đầy (hết dung lượng trống hoặc hết hạn mức dung lượng của người dùng).",
                         "Giải phóng dung lượng trên ổ đĩa này (xóa bớt tệp không cần, dọn thùng rác) hoặc chọn thư mục trên ổ đĩa khác còn trống, rồi chạy lại. Không có tệp nào bị ghi dở; tệp kết quả cũ (nếu có) vẫn giữ nguyên."),
    "output-too-large": (ERROR, "Không ghi được tệp kết quả {file}: tệp vượt quá kích thước lớn nhất mà hệ thống cho phép ghi.",
                         "Chọn thư mục trên ổ đĩa khác (ổ định dạng FAT32, như nhiều USB, chỉ nhận tệp dưới 4 GB) hoặc bỏ giới hạn kích thước tệp của phiên làm việc{ulimit_cmd}, rồi chạy lại. Không có tệp nào bị ghi dở."),
    "assessing-body-missing": (WARNING, "Hồ sơ năm {year} được lập sau ngày 01/07/2025, khi không còn cấp huyện, nhưng kế hoạch chưa ghi cơ quan đánh giá, công nhận; tờ trình và nơi nhận đang để chỗ trống “{placeholder}”.",
                               "Ghi cơ quan thay thế theo hướng dẫn của tỉnh ở dòng “Cơ quan đánh giá, công nhận” của trang “Thông tin” trong tệp kế hoạch{assessing_body_how}; công cụ không tự đoán cơ quan này."),
    "docs-template-invalid": (ERROR, "Mẫu văn bản không dùng được: {detail}.",
                              "Sửa mẫu trong Word (gõ lại cả thẻ {{{{ … }}}} hoặc {{% … %}} một lần, không đổi định dạng "
                              "giữa thẻ), hoặc bỏ tệp này khỏi thư mục mẫu để dùng mẫu có sẵn. Chưa ghi hồ sơ nào."),
    "output-clash": (ERROR, "Tùy chọn {a} và {b} chỉ cùng một chỗ ({file}); tệp này sẽ ghi đè tệp kia.",
                     "{clash_how}"),
    "output-is-input": (ERROR, "Tệp kết quả {file} trùng với một tệp đầu vào.",
                        "Chọn tên khác cho tệp kết quả; công cụ không bao giờ ghi đè tệp đầu vào (chỉ ghi đè tệp tổng hợp hoặc báo cáo JSON do chính lệnh này tạo lần trước)."),
    "report-unrecognised": (ERROR, "Tệp {file} không phải báo cáo của cdht-excel: {detail}.",
                            "Dùng tệp tổng hợp (.xlsx){merge_cmd} hoặc báo cáo JSON của lần tổng hợp đó."),
    "package-missing": (ERROR, "Máy này chưa cài gói {package}, cần để {purpose}.",
                        "Cài thêm bằng lệnh: pip install \"cdht-excel[{extra}]\" (hoặc pip install {package}), rồi chạy lại."),
    "output-wrong-type": (ERROR, "Tên tệp kết quả phải có đuôi {expected}: công cụ chỉ ghi tệp {expected}, không ghi nội dung khác với tên tệp.",
                          "Đặt tên kết thúc bằng {expected}, ví dụ “{example}”."),
    # --- the level above: which communes belong to the run ------------------------
    "district-area": (INFO, "Lần tổng hợp này của {area}; xã của nơi khác, hoặc tệp không ghi nơi này, không được tính và không đưa vào hồ sơ.",
                      "Nếu đây là lần tổng hợp của cả tỉnh hoặc của nơi khác, ghi “province”, “district” trong tệp thiết lập hồ sơ."),
    "commune-other-area": (WARNING, "{commune}: tệp ghi {what} {other}, không thuộc {what} {expected} của lần tổng hợp này; không tính xã này và không đưa vào hồ sơ.",
                           "Tổng hợp xã này cùng các xã của {what} {other}; nếu tệp ghi sai, đề nghị xã sửa tên {what} trong kế hoạch rồi tổng hợp và gửi lại."),
    "commune-no-area": (WARNING, "{commune}: tệp tổng hợp không ghi {what}; không tính xã này và không đưa vào hồ sơ của {what} {expected}.",
                        "Đề nghị xã ghi tên {what} trong kế hoạch rồi tổng hợp và gửi lại tệp tổng hợp."),
    # --- signed dossiers (NĐ 30/2020 Điều 5; cdht_excel/signing) -------------
    "signed-invalid": (ERROR, "Hồ sơ đã ký “{file}”: chữ ký số ở ô “{field}” ({signer}) {verdict}; chưa tính kết quả trong tệp này.",
                       "Đề nghị xã gửi lại bản PDF đúng như khi ký (không mở bằng phần mềm khác rồi lưu lại, không thêm, bớt trang hay tệp đính kèm)."),
    "signed-unknown-root": (ERROR, "Hồ sơ đã ký “{file}”: chứng thư số ở ô “{field}” ({signer}) do “{issuer}” cấp, không thuộc các cơ quan cấp tin cậy đã cấu hình; chưa tính kết quả trong tệp này.",
                            "Nếu đây là tổ chức cung cấp dịch vụ chứng thực chữ ký số được công nhận, thêm chứng thư gốc của tổ chức đó vào thư mục chứng thư gốc tin cậy{trust_how} rồi tổng hợp lại."),
    "signed-not-verified": (WARNING, "Hồ sơ đã ký “{file}”: chữ ký số ở ô “{field}” ({signer}) hợp lệ về kỹ thuật, chưa xác minh được cơ quan cấp.",
                            "Chỉ định thư mục chứa chứng thư gốc của các tổ chức cung cấp dịch vụ chứng thực chữ ký số{trust_how} để xác minh."),
    "signed-unsigned": (WARNING, "Hồ sơ PDF “{file}” mang kết quả của xã nhưng chưa được ký số; kết quả được tính như một tệp tổng hợp.",
                        "Đề nghị xã ký số hồ sơ{sign_how} rồi gửi lại."),
    "signed-no-result": (ERROR, "Tệp PDF “{file}” không mang kết quả đánh giá của xã ({detail}).",
                         "Đưa vào bản PDF báo cáo (TT 44) hoặc tờ trình (TT 25) do công cụ lập{signed_pdf_how}, hoặc tệp tổng hợp .xlsx."),
    "signed-differs-from-summary": (ERROR, "{commune}: hồ sơ đã ký “{signed}” ghi {signed_value}, tệp tổng hợp “{summary}” ghi {summary_value}; dùng kết quả trong hồ sơ đã ký.",
                                    "Tệp tổng hợp đã bị sửa hoặc là bản cũ: bỏ tệp đó ra khỏi thư mục, hoặc đề nghị xã gửi lại cả hai từ cùng một lần tổng hợp."),
    "signed-differs-from-returns": (ERROR, "{commune}: hồ sơ đã ký “{signed}” ghi {signed_value}, còn phiếu của các đơn vị đã gửi cho {returns_value}; dùng kết quả tính từ phiếu của đơn vị cho đến khi hai bên khớp nhau.",
                                    "Hồ sơ đã ký là bản cũ, hoặc có phiếu được gửi lại sau khi ký: xã xem lại kết quả, lập và ký lại hồ sơ rồi gửi bản PDF mới."),
    "signed-other-commune": (ERROR, "Hồ sơ đã ký “{file}” ghi kết quả của {found}, không phải {expected}; không lấy kết quả trong tệp này.",
                             "Gửi bản hồ sơ đã ký của đúng xã và năm này: tải hồ sơ PDF trên trang của xã, ký rồi gửi lại."),
    "service-unit-pdf": (ERROR, "Tệp “{file}” là tệp PDF: liên kết của đơn vị chỉ nhận phiếu Excel của đơn vị; tệp này không được tính.",
                         "Gửi phiếu .xlsx của đơn vị qua liên kết này; hồ sơ PDF đã ký do thư ký xã gửi lên."),
    "trust-root-unreadable": (WARNING, "Chứng thư gốc tin cậy “{file}” không dùng được để xác minh chữ ký số: {detail}.",
                              "Chọn đúng tệp chứng thư gốc (.pem, .crt, .cer hoặc .der) do tổ chức cung cấp dịch vụ chứng thực chữ ký số công bố{trust_how} rồi tổng hợp lại; khi chưa có chứng thư gốc nào dùng được, chữ ký số chỉ được kiểm tra về kỹ thuật, chưa xác minh được cơ quan cấp."),
}

# The faces a finding is shown in. The terminal may name commands and options; the web page names its own
# buttons and fields; paper (documents, the check form, workbooks, and the JSON's own message and hint) names
# neither options nor commands nor file-format internals, only what a person does.
TERMINAL, WEB, PAPER = "terminal", "web", "paper"
FACES = (TERMINAL, WEB, PAPER)

# placeholder: {face: text}. A catalogue text says what a person does; these words say it for each face.
FACE_TEXTS: dict[str, dict[str, str]] = {
    "merge_cmd": {TERMINAL: " (lệnh “cdht merge”)", WEB: "", PAPER: ""},
    "rubric_export_cmd": {TERMINAL: " (lệnh “cdht rubric export”)", WEB: "", PAPER: ""},
    "plan_init_cmd": {TERMINAL: " (lệnh “cdht plan init”)",
                      WEB: " (hoặc sửa kế hoạch ngay trên trang: nút “Sửa kế hoạch, phân công trước” ở mục “Mẫu phiếu”)",
                      PAPER: ""},
    "template_how": {TERMINAL: " (tạo bằng lệnh “cdht template”)", WEB: " (tạo ở mục “Mẫu phiếu”)", PAPER: ""},
    "tt25_how": {TERMINAL: " (--rubric tt25-2023)", WEB: " (chọn Thông tư 25/2023 ở mục “Mẫu phiếu”)", PAPER: ""},
    "the_inputs": {TERMINAL: "thư mục", WEB: "các tệp tải lên", PAPER: "các tệp đưa vào tổng hợp"},
    "prefer_newer": {TERMINAL: "chạy “cdht merge --prefer-newer” để lấy bản lưu sau",
                     WEB: "đánh dấu ô “Lấy bản lưu sau” rồi tổng hợp lại",
                     PAPER: "khi tổng hợp lại, chọn lấy bản lưu sau"},
    "newer_asked": {TERMINAL: " (--prefer-newer)", WEB: " (đã đánh dấu “Lấy bản lưu sau”)",
                    PAPER: " (theo lựa chọn lấy bản lưu sau)"},
    "communes_how": {TERMINAL: " (--communes)", WEB: "", PAPER: ""},
    "check_form_cmd": {TERMINAL: " (“cdht district … --check-form PHIẾU.xlsx”)", WEB: "", PAPER: ""},
    "give_checked": {TERMINAL: "chạy lại với --checked PHIẾU.xlsx",
                     WEB: "tải phiếu lên ở ô “Phiếu kiểm tra của cấp trên đã ghi kết quả” và tổng hợp lại",
                     PAPER: "đưa phiếu đã ghi vào khi tổng hợp lại các xã"},
    "district_json_how": {TERMINAL: " (do “cdht district … --json” ghi)", WEB: " (tải về từ trang kết quả năm trước)",
                          PAPER: ""},
    "authority_how": {TERMINAL: ": --authority “…”, --signer “…” (hoặc tệp thiết lập --docs-settings)",
                      WEB: " ở ô “Cơ quan công nhận” và “Người ký quyết định công nhận”",
                      PAPER: " trong phần thiết lập hồ sơ"},
    "assessing_body_how": {TERMINAL: " (hoặc --assessing-body khi chạy “cdht plan init” hoặc “cdht merge”)",
                           WEB: " (hoặc ô “Cơ quan đánh giá, công nhận” trên trang)", PAPER: ""},
    "port_how": {TERMINAL: "Chạy lại với --port 0 để tự chọn cổng trống, hoặc chọn cổng khác.",
                 WEB: "Đóng chương trình đang dùng cổng này hoặc chọn cổng khác.",
                 PAPER: "Đóng chương trình đang dùng cổng này hoặc chọn cổng khác."},
    "ulimit_cmd": {TERMINAL: " (ulimit -f)", WEB: "", PAPER: ""},
    "service_template_how": {TERMINAL: " (tải mẫu trên trang của xã, hoặc “cdht template” với đúng tên xã, tỉnh, năm)",
                             WEB: " (tải mẫu trên trang của xã)", PAPER: " (tải mẫu trên trang của xã)"},
    "trust_how": {TERMINAL: " (--trust THƯ_MỤC)", WEB: "", PAPER: ""},
    "sign_how": {TERMINAL: " (“cdht sign” hoặc phần mềm ký số của cơ quan)", WEB: " (bằng phần mềm ký số của cơ quan)",
                 PAPER: " (bằng phần mềm ký số của cơ quan)"},
    "signed_pdf_how": {TERMINAL: " (“cdht merge … --docs … --pdf”)", WEB: "", PAPER: ""},
    "clash_how": {TERMINAL: "Chọn tên khác nhau cho tệp tổng hợp (-o), báo cáo JSON (--json), và để chúng ngoài "
                            "thư mục hồ sơ (--docs).",
                  WEB: "Chọn tên khác nhau cho tệp tổng hợp và báo cáo JSON, và để chúng ngoài thư mục hồ sơ.",
                  PAPER: "Chọn tên khác nhau cho tệp tổng hợp và báo cáo JSON, và để chúng ngoài thư mục hồ sơ."},
}


# (code, face): (message, hint) said otherwise on that face (None: the catalogue's). The terminal shows a
# conflict as a short list, one line per copy ({copies}: one line each, file, values and saved time).
VARIANTS: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("unit-conflict", TERMINAL): ("{unit}, {item_label}: các bản khác nhau, chưa chọn bản nào (nội dung giống nhau "
                                  "vẫn được tính):\n{copies}", None),
    # the page has its own field for the trust roots (no folder to name)
    ("signed-unknown-root", WEB): (None, "Nếu đây là tổ chức cung cấp dịch vụ chứng thực chữ ký số được công nhận, "
                                         "chọn thêm chứng thư gốc của tổ chức đó ở ô “Chứng thư gốc tin cậy” rồi "
                                         "tổng hợp lại."),
    ("signed-not-verified", WEB): (None, "Chọn chứng thư gốc của các tổ chức cung cấp dịch vụ chứng thực chữ ký số ở ô "
                                         "“Chứng thư gốc tin cậy” rồi tổng hợp lại để xác minh."),
}


# code: a short Vietnamese title leading each row of the "Phát hiện" sheets (the code stays, last and narrow).
TITLES: dict[str, str] = {
    "signed-invalid": "Chữ ký số không hợp lệ",
    "signed-unknown-root": "Chứng thư số của cơ quan cấp lạ",
    "signed-not-verified": "Chưa xác minh cơ quan cấp chứng thư",
    "signed-unsigned": "Hồ sơ PDF chưa ký số",
    "signed-no-result": "PDF không mang kết quả",
    "signed-differs-from-summary": "Hồ sơ đã ký khác tệp tổng hợp",
    "signed-differs-from-returns": "Hồ sơ đã ký khác phiếu đơn vị",
    "service-unit-pdf": "Đơn vị gửi tệp PDF",
    "signed-other-commune": "Hồ sơ đã ký của xã hoặc năm khác",
    "trust-root-unreadable": "Chứng thư gốc không dùng được",
    "rubric-unknown": "Không có bộ tiêu chí này",
    "rubric-unreadable": "Tệp bộ tiêu chí không đọc được",
    "rubric-missing-field": "Bộ tiêu chí thiếu thông tin",
    "rubric-bad-id": "Mã tiêu chí sai",
    "rubric-duplicate-id": "Mã tiêu chí trùng",
    "rubric-orphan-item": "Nội dung không thuộc tiêu chí nào",
    "rubric-empty-criterion": "Tiêu chí không có nội dung",
    "rubric-bad-kind": "Loại nội dung sai",
    "rubric-missing-citation": "Thiếu căn cứ pháp lý",
    "rubric-maxima-partial": "Điểm tối đa chưa đủ",
    "rubric-maxima-sum": "Tổng điểm tối đa sai",
    "rubric-item-maxima-sum": "Tổng điểm tối đa nội dung sai",
    "rubric-bad-number": "Số trong bộ tiêu chí sai",
    "rubric-threshold-order": "Ngưỡng sai thứ tự",
    "rubric-level-option": "Yêu cầu không có trong danh sách",
    "rubric-classes": "Cách xếp loại sai",
    "plan-unreadable": "Tệp kế hoạch không đọc được",
    "plan-missing-field": "Kế hoạch thiếu thông tin",
    "plan-bad-year": "Năm đánh giá sai",
    "plan-bad-hard-area": "Vùng khó khăn ghi không rõ",
    "plan-missing-hard-area": "Chưa ghi vùng khó khăn",
    "plan-no-units": "Kế hoạch chưa có đơn vị",
    "plan-duplicate-unit": "Đơn vị ghi hai lần",
    "plan-unit-no-criteria": "Đơn vị chưa được giao tiêu chí",
    "plan-unknown-criterion": "Giao tiêu chí không có",
    "plan-criterion-unassigned": "Tiêu chí chưa giao",
    "plan-criterion-twice": "Tiêu chí giao nhiều đơn vị",
    "plan-bad-max": "Điểm tối đa trong kế hoạch sai",
    "rubric-repealed": "Bộ tiêu chí đã hết hiệu lực",
    "rubric-not-yet-in-force": "Bộ tiêu chí chưa có hiệu lực",
    "maxima-unknown": "Chưa có điểm tối đa từng tiêu chí",
    "no-input": "Không có tệp bảng tính",
    "no-readable-input": "Không có phiếu đọc được",
    "input-missing": "Không có tệp, thư mục",
    "file-empty": "Tệp rỗng",
    "file-too-large": "Tệp quá lớn",
    "file-not-workbook": "Không phải bảng tính",
    "file-corrupt": "Tệp hỏng",
    "file-encrypted": "Tệp có mật khẩu",
    "file-encrypted-old": "Tệp Excel cũ có mật khẩu",
    "file-zip-bomb": "Tệp nén bất thường",
    "file-xml-unsafe": "XML không an toàn",
    "file-too-big-content": "Tệp quá nhiều dữ liệu",
    "file-not-template": "Không phải phiếu của công cụ",
    "file-no-units": "Tệp không còn trang đơn vị",
    "file-macros": "Tệp có macro",
    "file-external-links": "Tệp có liên kết ngoài",
    "sheet-copied": "Trang đã chép sang tệp khác",
    "sheet-renamed": "Trang bị đổi tên",
    "evidence-merged": "Ô minh chứng bị gộp",
    "names-lost": "Tên ô bị mất",
    "other-commune": "Phiếu của xã khác",
    "other-year": "Phiếu của năm khác",
    "other-rubric": "Phiếu theo bộ tiêu chí khác",
    "template-mismatch": "Phiếu từ mẫu khác",
    "unit-unknown": "Đơn vị không có trong kế hoạch",
    "unit-missing": "Chưa có phiếu",
    "unit-not-filled": "Phiếu chưa điền",
    "unit-conflict": "Hai bản khác nhau",
    "unit-duplicate": "Bản trùng",
    "value-empty": "Còn trống",
    "score-not-number": "Điểm không phải số",
    "score-negative": "Điểm âm",
    "score-above-max": "Điểm vượt tối đa",
    "score-off-step": "Điểm sai bước",
    "score-without-evidence": "Điểm không có minh chứng",
    "total-above-max": "Tổng điểm vượt tối đa",
    "criterion-zero": "Tiêu chí điểm 0",
    "result-invalid": "Kết quả không hợp lệ",
    "level-invalid": "Mức không hợp lệ",
    "count-invalid": "Số liệu không hợp lệ",
    "count-above-base": "Số liệu lớn hơn tổng số",
    "count-base-zero": "Tổng số bằng 0",
    "count-base-differs": "Tổng số ghi khác nhau",
    "result-without-evidence": "Kết quả không có minh chứng",
    "evidence-cut": "Minh chứng có thể bị cắt",
    "formula-no-value": "Công thức chưa có giá trị",
    "incomplete": "Chưa đủ để xếp loại",
    "hard-area-unknown": "Không rõ vùng khó khăn",
    "summary-unreadable": "Tệp tổng hợp không đọc được",
    "commune-not-merged": "Không tổng hợp được xã",
    "commune-duplicate": "Xã trùng",
    "commune-conflict": "Xã có hai kết quả",
    "commune-other-year": "Xã của năm khác",
    "commune-other-rubric": "Xã theo bộ tiêu chí khác",
    "summary-edited": "Tệp tổng hợp bị sửa tay",
    "commune-incomplete": "Xã chưa đủ kết quả",
    "commune-missing": "Chưa có kết quả của xã",
    "commune-unexpected": "Xã ngoài danh sách",
    "check-form-not-form": "Không phải phiếu kiểm tra",
    "check-form-no-rows": "Phiếu kiểm tra không có dòng",
    "check-form-other": "Phiếu kiểm tra của đợt khác",
    "check-commune-not-in-form": "Xã chưa có trong phiếu kiểm tra",
    "check-commune-unknown": "Xã kiểm tra không có kết quả",
    "check-commune-unchecked": "Xã chưa kiểm tra xong",
    "check-value-invalid": "Kết quả kiểm tra không hợp lệ",
    "check-differs": "Kiểm tra khác tự đánh giá",
    "check-class-differs": "Xếp loại kiểm tra khác",
    "previous-unreadable": "Kết quả năm trước không đọc được",
    "previous-commune-absent": "Xã năm nay chưa có",
    "previous-raise-too-early": "Đề nghị nâng mức quá sớm",
    "previous-raise-check-date": "Kiểm tra thời hạn nâng mức",
    "docs-authority-unknown": "Chưa rõ cơ quan công nhận",
    "docs-settings-unreadable": "Thiết lập hồ sơ không đọc được",
    "output-unwritable": "Không ghi được tệp kết quả",
    "output-disk-full": "Ổ đĩa đầy",
    "output-too-large": "Tệp kết quả quá lớn",
    "docs-template-invalid": "Mẫu văn bản không dùng được",
    "output-is-input": "Tệp kết quả trùng tệp đầu vào",
    "output-wrong-type": "Đuôi tệp kết quả sai",
    "package-missing": "Chưa cài gói cần dùng",
    "report-unrecognised": "Không phải báo cáo của cdht-excel",
    "assessing-body-missing": "Chưa ghi cơ quan đánh giá, công nhận",
    "file-link-broken": "Liên kết tắt hỏng",
    "file-not-regular": "Không phải tệp thông thường",
    "file-reader-crashed": "Bộ đọc bị dừng",
    "file-reader-timeout": "Đọc tệp quá lâu",
    "file-unreadable": "Không có quyền đọc tệp",
    "file-unsupported": "Dạng bảng tính không hỗ trợ",
    "file-wrong-extension": "Đuôi tệp sai định dạng",
    "output-clash": "Hai tệp kết quả trùng chỗ",
    "plan-bad-report-by": "Cơ quan ban hành báo cáo không rõ",
    "conflicts-newer-chosen": "Đã lấy bản lưu sau",
    "name-diacritics": "Tên chỉ khác dấu",
    "result-certain": "Kết quả đã xác định",
    "stamp-mismatch": "Dấu nhận dạng không khớp",
    "text-legacy-encoding": "Chữ gõ bằng bảng mã cũ",
    "archive-unreadable": "Tệp nén không mở được",
    "summary-altered": "Tổng hợp ghi kết quả khác",
    "summary-differs-from-returns": "Tổng hợp khác phiếu đơn vị",
    "summary-no-digests": "Tổng hợp không đối chiếu được",
    "summary-other-files": "Tổng hợp từ tệp phiếu khác",
    "summary-rubric-changed": "Bộ tiêu chí trong tổng hợp bị đổi",
    "summary-same-files": "Tổng hợp đúng các tệp phiếu",
    "summary-tampered": "Số liệu tổng hợp bị sửa",
    "summary-unverifiable": "Không tính lại được tổng hợp",
    "upload-field-too-large": "Ô chữ của biểu mẫu quá dài",
    "upload-file-unsaved": "Tệp tải lên không lưu được",
    "upload-plan-rubric-outside": "Bộ tiêu chí ngoài tệp tải lên",
    "upload-rubric-not-offered": "Bộ tiêu chí không có trên trang",
    "upload-too-large": "Tệp tải lên quá lớn",
    "upload-too-many": "Tải lên quá nhiều tệp",
    "web-port-busy": "Cổng máy đang bận",
    "district-area": "Nơi của lần tổng hợp",
    "commune-other-area": "Xã của nơi khác",
    "commune-no-area": "Tệp không ghi huyện, tỉnh",
    "service-other-commune": "Phiếu của xã khác",
    "service-other-year": "Phiếu của năm khác",
    "service-other-province": "Phiếu của tỉnh khác",
    "service-other-unit": "Phiếu của đơn vị khác",
}


def title(code: str) -> str:
    """The short title of a finding code (its message's first words if a code has none yet)."""
    if code in TITLES:
        return TITLES[code]
    words = CATALOGUE[code][1].split() if code in CATALOGUE else [code]
    return " ".join(words[:6])


def location(file: str | None = None, sheet: str | None = None, cell: str | None = None, *,
             file_word: bool = True) -> str:
    """Where a finding is, as every message says it: 'tệp “a.xlsx”, trang “Công an xã”, ô E11'.

    `file_word=False` leaves out the word 'tệp' (terminal lists that start with the file name).
    """
    parts = []
    if file:
        parts.append(f"tệp “{file}”" if file_word else f"“{file}”")
    if sheet:
        parts.append(f"trang “{sheet}”")
    if cell:
        parts.append(f"ô {cell}")
    return ", ".join(parts)


class Failed(Exception):
    """Nothing could be produced; `findings` says every reason (exit code 2).

    The one exception of the package: rubric, plan, merge, assess, dossier and the command line
    all raise it (their former names — `RubricError`, `NothingToMerge`, `NoResult`,
    `DossierError`, `cli.Failed` — are aliases of it).
    """

    def __init__(self, findings: list[Finding] | tuple[Finding, ...] = ()):
        self.findings = list(findings)
        super().__init__("; ".join(f.message for f in self.findings))


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
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # What a program said (an exception's class and text, for whoever debugs it): carried by the JSON
    # outputs only, never in the message a person reads.
    technical: str | None = field(default=None, compare=False)
    # message and hint are the paper face; faces holds {face: {"message", "hint"}} where another face says
    # it otherwise (see FACE_TEXTS); shown through `said`.
    faces: dict[str, dict[str, str]] | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        for optional in ("technical", "faces"):
            if not data[optional]:
                data.pop(optional)
        return data

    def where(self) -> str:
        return location(self.file, self.sheet, self.cell)

    def line(self) -> str:
        """One terminal line: '[Lỗi] where: message → hint'."""
        where = self.where()
        message, hint = said(self, TERMINAL)
        prefix = f"[{SEVERITY_LABEL[self.severity]}] " + (f"{where}: " if where else "")
        return f"{prefix}{message} → {hint}"


FINDING_FIELDS = ("code", "severity", "message", "hint", "file", "sheet", "cell", "unit", "criterion", "technical",
                  "faces")


def said(finding: Finding | dict[str, Any], face: str) -> tuple[str, str]:
    """(message, hint) of a finding (object or JSON dict) as `face` shows them."""
    get = finding.get if isinstance(finding, dict) else lambda key: getattr(finding, key, None)
    own = (get("faces") or {}).get(face) or {}
    return str(own.get("message", get("message") or "")), str(own.get("hint", get("hint") or ""))


def render(template: str, context: dict[str, Any], face: str) -> str:
    """A catalogue text filled with a finding's context and `face`'s own words."""
    return template.format_map({**context, **{name: words[face] for name, words in FACE_TEXTS.items()}})


def fields(code: str) -> set[str]:
    """The context names `make(code, …)` needs: those of the catalogue's texts and of their variants."""
    import string

    texts = [*CATALOGUE[code][1:], *(t for (c, _), pair in VARIANTS.items() if c == code for t in pair if t)]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text)
            if name and name not in FACE_TEXTS}


def make(code: str, *, file: Any = None, sheet: Any = None, cell: Any = None, unit: Any = None,
         criterion: Any = None, technical: str | None = None, **context: Any) -> Finding:
    severity, message, hint = CATALOGUE[code]
    context = {"file": file, "sheet": sheet, "cell": cell, "unit": unit, "criterion": criterion, **context}
    texts = {}
    for face in FACES:
        own_message, own_hint = VARIANTS.get((code, face), (None, None))
        texts[face] = {"message": render(own_message or message, context, face),
                       "hint": render(own_hint or hint, context, face)}
    paper = texts[PAPER]
    faces = {face: text for face, text in texts.items() if face != PAPER and text != paper}
    return Finding(code=code, severity=severity, message=paper["message"], hint=paper["hint"], file=file,
                   sheet=sheet, cell=cell, unit=unit, criterion=criterion, extra=context, technical=technical,
                   faces=faces or None)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def _id_order(cid: object) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in str(cid or "").split("."))


def _cell_order(cell: object) -> tuple[int, int, str]:
    letters = "".join(ch for ch in str(cell or "") if ch.isalpha())
    digits = "".join(ch for ch in str(cell or "") if ch.isdigit())
    return (int(digits) if digits else 0, len(letters), letters)


def sort_key(finding: Finding) -> tuple[Any, ...]:
    return (SEVERITY_ORDER[finding.severity], finding.file or "", finding.sheet or "",
            _id_order(finding.criterion), _cell_order(finding.cell), finding.code, finding.message)


# --------------------------------------------------------------------------- reference (docs/findings.md)

# Which commands run the code of each module (the reference's last column). A module not listed
# here is shown as raising for every command.
MODULE_COMMANDS: dict[str, tuple[str, ...]] = {
    "rules.model": ("rubric check", "rubric export", "plan init", "template"),
    "rules.rubric": ("rubric check", "rubric export", "plan init", "template"),
    "rules.rubric_sheet": ("rubric check", "plan init", "template"),
    "rules.schemes": ("rubric check", "template", "merge", "status", "district"),
    "commune.plan": ("plan init", "template"),
    "commune.plan_sheet": ("template",),
    "reading.read": ("merge", "status", "district"),
    "reading.book": ("merge", "status", "district"),
    "commune.merge": ("merge", "status", "district"),
    "commune.check": ("merge", "status", "district"),
    "commune.assess": ("merge", "status", "district"),
    "above.district": ("district",),
    "above.check": ("district --checked",),
    "above.check_form": ("district --check-form",),
    "above.previous": ("district --previous",),
    "above.docs": ("district --docs",),
    "above.commune_list": ("district",),
    "commune.dossier": ("merge --docs",),
    "outputs.parquet_out": ("district --parquet",),
    "api": (),          # the analysts' Python face: no command of its own
    "above.signed": ("district", "verify"),
}
REFERENCE_COMMAND = "python -m cdht_excel.rules.findings --markdown > docs/findings.md"
# A code is named as a string literal: "file-corrupt" anywhere, a one-word code ("incomplete") only in make(...).
_CODE_LITERAL = r"""["']([a-z0-9]+(?:-[a-z0-9]+)+)["']|make\(\s*["']([a-z0-9]+)["']"""


def raised_by() -> dict[str, list[str]]:
    """code -> the commands whose modules name it (read from the package's own source)."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[1]
    out: dict[str, set[str]] = {code: set() for code in CATALOGUE}
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).with_suffix("").as_posix().replace("/", ".")
        if module == "rules.findings" or "doc_templates" in path.parts:
            continue
        commands = MODULE_COMMANDS.get(module, ("mọi lệnh",))
        for pair in re.findall(_CODE_LITERAL, path.read_text("utf-8")):
            code = pair[0] or pair[1]
            if code in out:
                out[code].update(commands)
    order = ["plan init", "template", "rubric check", "rubric export", "status", "merge", "merge --docs", "district",
             "district --check-form", "district --checked", "district --previous", "district --docs", "district --parquet", "mọi lệnh"]
    return {code: sorted(found, key=lambda c: order.index(c) if c in order else len(order)) for code, found in out.items()}


def _terminal_words(template: str) -> str:
    """A catalogue text with the terminal's words in place of the face placeholders (context ones kept)."""
    for name, words in FACE_TEXTS.items():
        template = template.replace("{" + name + "}", words[TERMINAL])
    return template


def reference_markdown() -> str:
    """docs/findings.md: every code of the catalogue with its severity, message, hint and commands."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    commands = raised_by()
    lines = ["# Các mã phát hiện (findings) của cdht-excel", "",
             f"Tệp này được tạo tự động bằng `{REFERENCE_COMMAND}`; không sửa tay "
             "(một bài kiểm tra so tệp với danh mục trong `cdht_excel/rules/findings.py`).", "",
             "Nội dung và cách sửa là mẫu: phần trong `{…}` được thay bằng tệp, trang, ô, đơn vị, tiêu chí, "
             "giá trị cụ thể khi công cụ báo.", "",
             f"{len(CATALOGUE)} mã. Mức: " + ", ".join(SEVERITY_LABEL.values()) + ".", "",
             "| Mã | Mức | Nội dung | Cách sửa | Lệnh |", "|---|---|---|---|---|"]
    for code, (severity, message, hint) in CATALOGUE.items():
        where = ", ".join(f"`cdht {c}`" if c != "mọi lệnh" else c for c in commands[code]) or "—"
        message, hint = (_terminal_words(text) for text in (message, hint))
        lines.append(f"| `{code}` | {SEVERITY_LABEL[severity]} | {cell(message)} | {cell(hint)} | {where} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m cdht_excel.rules.findings",
                                     description="Print the findings reference (docs/findings.md).")
    parser.add_argument("--markdown", action="store_true", help="the reference as Markdown (the only format)")
    parser.parse_args(argv)
    sys.stdout.buffer.write(reference_markdown().encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
