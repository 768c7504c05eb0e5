"""Click in Vietnamese: help screens, usage errors and "did you mean" suggestions.

click writes its own words in English ("Usage:", "Options", "[required]", "[default: …]",
FILE/TEXT/INTEGER RANGE, "No such option"). The help screens here are laid out by our own
formatting code from the parameters' public attributes, so no English word of click's can
appear in them; click's error messages are translated by pattern, and anything unknown is
shown as it is.
"""
from __future__ import annotations

import difflib
import re

import click

USAGE_PREFIX = "Cách dùng: "
OPTIONS_HEADING = "Tùy chọn"
ARGUMENTS_HEADING = "Tham số"
COMMANDS_HEADING = "Lệnh"
REQUIRED = "bắt buộc"
HELP_OPTION_TEXT = "Xem hướng dẫn này."


def type_metavar(param: click.Parameter) -> str:
    """The placeholder shown after an option, in Vietnamese (click: FILE, TEXT, INTEGER RANGE)."""
    if param.metavar:
        return param.metavar
    kind = param.type
    if isinstance(kind, click.Choice):
        return "[" + "|".join(str(c) for c in kind.choices) + "]"
    if isinstance(kind, click.Path):
        if kind.file_okay and not kind.dir_okay:
            return "TỆP"
        if kind.dir_okay and not kind.file_okay:
            return "THƯ_MỤC"
        return "ĐƯỜNG_DẪN"
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return "SỐ"
    return "CHỮ"


def _range_text(kind) -> str | None:
    if not isinstance(kind, (click.IntRange, click.FloatRange)):
        return None
    low, high = kind.min, kind.max
    if low is not None and high is not None:
        return f"từ {low} đến {high}"
    return f"ít nhất {low}" if low is not None else f"nhiều nhất {high}"


def _shown_default(option: click.Option) -> str | None:
    if not option.show_default or option.is_flag:
        return None
    if isinstance(option.show_default, str):
        return option.show_default
    default = option.default
    if default is None or callable(default) or type(default).__name__ == "Sentinel":
        return None
    return str(default)


def option_record(option: click.Option) -> tuple[str, str]:
    """(left column, right column) of one option in the help screen."""
    def spelled(opts) -> str:
        text = ", ".join(opts)
        return text if option.is_flag or option.count else f"{text} {type_metavar(option)}"

    left = spelled(option.opts) + (" / " + spelled(option.secondary_opts) if option.secondary_opts else "")
    extras = []
    if (default := _shown_default(option)) is not None:
        extras.append(f"mặc định: {default}")
    if (bounds := _range_text(option.type)) is not None:
        extras.append(bounds)
    if option.required:
        extras.append(REQUIRED)
    right = option.help or ""
    if extras:
        right = f"{right}  [{'; '.join(extras)}]" if right else f"[{'; '.join(extras)}]"
    return left, right


def argument_metavar(argument: click.Argument) -> str:
    name = argument.metavar or (argument.name or "").upper()
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if argument.required else f"[{name}]"


class VnArgument(click.Argument):
    """A positional argument with a description (click < 8.5 arguments have none)."""

    def __init__(self, *args, description: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.description = description


class VnCommand(click.Command):
    """A command whose help screen is entirely Vietnamese."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = ["[TÙY_CHỌN]"] if any(isinstance(p, click.Option) for p in self.get_params(ctx)) else []
        pieces += [argument_metavar(p) for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        return pieces

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), USAGE_PREFIX)

    def format_options(self, ctx, formatter):
        params = self.get_params(ctx)
        arguments = [(argument_metavar(p), getattr(p, "description", ""))
                     for p in params if isinstance(p, click.Argument)]
        if arguments:
            with formatter.section(ARGUMENTS_HEADING):
                formatter.write_dl(arguments)
        options = [option_record(p) for p in params if isinstance(p, click.Option) and not p.hidden]
        if options:
            with formatter.section(OPTIONS_HEADING):
                formatter.write_dl(options)

    def format_arguments(self, ctx, formatter):   # click ≥ 8.5: done in format_options
        pass


def summary(command: click.Command) -> str:
    """A command's one-line summary for its group's list: the whole first paragraph, never cut."""
    if command.short_help:
        return command.short_help
    return re.sub(r"\s+", " ", (command.help or "").split("\n\n")[0]).strip()


# `cdht --help` lists the commands in the order of the year; a command not named here comes after them.
YEAR_ORDER = ("plan", "template", "status", "merge", "docs-templates", "sign", "verify", "district", "web", "serve",
              "service", "rubric", "init", "list", "export", "check")


class VnGroup(VnCommand, click.Group):
    command_class = VnCommand

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (YEAR_ORDER.index(n) if n in YEAR_ORDER else len(YEAR_ORDER), n))

    def collect_usage_pieces(self, ctx) -> list[str]:
        return ["[TÙY_CHỌN]", "LỆNH", "[THAM_SỐ]..."]

    def format_options(self, ctx, formatter):
        VnCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, summary(cmd)))
        if rows:
            with formatter.section(COMMANDS_HEADING):
                formatter.write_dl(rows)


VnGroup.group_class = VnGroup


# --------------------------------------------------------------------------- errors

# click's own messages (English) -> Vietnamese; anything else is shown as it is.
_CLICK_MESSAGES = [
    (r"No such command (['\"])(?P<v>.*)\1\..*", "không có lệnh “{v}”."),
    (r"No such option:? (['\"]?)(?P<v>.*?)\1\..*", "không có tùy chọn {v}."),
    (r"Missing command\.", "thiếu tên lệnh."),
    (r"(?:File|Directory|Path) (['\"])(?P<v>.*)\1 is a directory\.", "“{v}” là một thư mục, cần tên tệp."),
    (r"(?:File|Directory|Path) (['\"])(?P<v>.*)\1 is a file\.", "“{v}” là một tệp, cần tên thư mục."),
    (r"(?:File|Directory|Path) (['\"])(?P<v>.*)\1 does not exist\.", "không tìm thấy “{v}”."),
    (r"(?:File|Directory|Path) (['\"])(?P<v>.*)\1 is not (?:readable|writable|executable)\.",
     "không có quyền với “{v}”."),
    (r"(['\"])(?P<v>.*)\1 is not a valid integer(?: range)?\.", "“{v}” không phải là số nguyên."),
    (r"(['\"])(?P<v>.*)\1 is not a valid float(?: range)?\.", "“{v}” không phải là số."),
    (r"(?P<v>.*) is not in the range (?P<r>.*)\.", "{v} nằm ngoài khoảng cho phép ({r})."),
    (r"(['\"])(?P<v>.*)\1 is not (?:one of )?(?P<c>.*)\.", "“{v}” không hợp lệ; chọn một trong: {c}."),
    (r"Option (['\"])(?P<v>.*)\1 requires (?:an argument|\d+ arguments)\.", "tùy chọn {v} cần có giá trị."),
    (r"Option (['\"])(?P<v>.*)\1 does not take a value\.", "tùy chọn {v} không nhận giá trị."),
    (r"Argument (['\"])(?P<v>.*)\1 takes (?P<n>\d+) values\.", "tham số {v} cần {n} giá trị."),
    (r"Got unexpected extra arguments? \((?P<v>.*)\)", "thừa tham số: {v}."),
]


def vietnamese_click_message(message: str) -> str:
    for pattern, text in _CLICK_MESSAGES:
        m = re.fullmatch(pattern, message.strip(), re.DOTALL)
        if m:
            return text.format(**m.groupdict())
    return message


def _did_you_mean(word: str, candidates) -> str:
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Có phải ý bạn là " + " hoặc ".join(f"“{c}”" for c in close) + "?"


def _option_names(ctx) -> list[str]:
    names = []
    for param in ctx.command.get_params(ctx) if ctx is not None else []:
        if isinstance(param, click.Option):
            names += param.opts + param.secondary_opts
    return names


def _bad_value_text(exc: click.BadParameter) -> str:
    kind = exc.param.type if exc.param is not None else None
    value = re.match(r"(['\"]?)(?P<v>.*?)\1 is not", exc.message.strip())
    if isinstance(kind, click.Choice) and value:
        return f"“{value.group('v')}” không hợp lệ; chọn một trong: {', '.join(map(str, kind.choices))}."
    bounds = _range_text(kind)
    value = re.match(r"(?P<v>.*?) is not in the range", exc.message.strip())
    if bounds and value:
        return f"{value.group('v')} nằm ngoài khoảng cho phép ({bounds})."
    return vietnamese_click_message(exc.message)


def _param_name(param, fallback) -> str:
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    if isinstance(param, click.Argument):
        return argument_metavar(param).strip("[]")
    return fallback if isinstance(fallback, str) else " / ".join(fallback or ())


def usage_error_text(exc: click.ClickException) -> str:
    """The Vietnamese sentence for a usage error raised by click (or by our commands)."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.MissingParameter):
        return f"Thiếu {_param_name(exc.param, exc.param_hint).removesuffix('...')}."
    if isinstance(exc, click.NoSuchOption):
        return f"Không có tùy chọn {exc.option_name}." + _did_you_mean(exc.option_name, _option_names(ctx))
    if isinstance(exc, click.BadParameter):
        return f"Giá trị không hợp lệ cho {_param_name(exc.param, exc.param_hint)}: {_bad_value_text(exc)}"
    message = vietnamese_click_message(exc.message)
    unknown = re.fullmatch(r"No such command (['\"])(?P<v>.*)\1\..*", exc.message.strip(), re.DOTALL)
    if unknown and ctx is not None and isinstance(ctx.command, click.Group):
        message += _did_you_mean(unknown.group("v"), ctx.command.list_commands(ctx))
    return message[:1].upper() + message[1:]
