"""CloudFormation intrinsic functions, resolved against a deployment's current state."""

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

NO_VALUE = object()
"""What `Ref: AWS::NoValue` resolves to: the enclosing property or list item disappears."""

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class UnresolvableError(ValueError):
    """The template uses something this driver does not model."""


@dataclass
class ResolutionContext:
    ref: Callable[[str], object]
    """Ref of a logical id, a parameter or a pseudo parameter."""
    get_att: Callable[[str, str], object]
    condition: Callable[[str], bool]


def resolve(value, context: ResolutionContext):
    if isinstance(value, list):
        return [item for item in (resolve(item, context) for item in value) if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        function = _FUNCTIONS.get(key)
        if function is not None:
            return function(argument, context)
        if key.startswith("Fn::"):
            raise UnresolvableError(f"intrinsic function {key} is not modelled")
    resolved = {key: resolve(item, context) for key, item in value.items()}
    return {key: item for key, item in resolved.items() if item is not NO_VALUE}


def references(value) -> Iterator[str]:
    """Logical ids and parameter names a value refers to (pseudo parameters included)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                yield argument
                return
            if key == "Fn::GetAtt":
                yield _get_att_target(argument)[0]
                return
            if key == "Fn::Sub":
                template, variables = (argument, {}) if isinstance(argument, str) else argument
                for name in _SUB_VARIABLE.findall(template):
                    if name.split(".")[0] not in variables:
                        yield name.split(".")[0]
                yield from references(variables)
                return
        for item in value.values():
            yield from references(item)


def _ref(argument, context):
    return context.ref(argument)


def _get_att(argument, context):
    return context.get_att(*_get_att_target(resolve(argument, context)))


def _get_att_target(argument) -> tuple[str, str]:
    if isinstance(argument, str):
        logical_id, _, attribute = argument.partition(".")
        return logical_id, attribute
    return argument[0], argument[1]


def _join(argument, context):
    delimiter, items = argument
    return delimiter.join(str(item) for item in resolve(items, context))


def _sub(argument, context):
    template, variables = (argument, {}) if isinstance(argument, str) else argument
    values = {name: resolve(value, context) for name, value in variables.items()}

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        if "." in name and not name.startswith("AWS::"):
            return str(context.get_att(*name.split(".", 1)))
        return str(context.ref(name))

    return _SUB_VARIABLE.sub(substitute, template).replace("${!", "${")


def _select(argument, context):
    index, items = resolve(argument, context)
    return items[int(index)]


def _split(argument, context):
    delimiter, text = resolve(argument, context)
    return text.split(delimiter)


def _if(argument, context):
    condition, when_true, when_false = argument
    return resolve(when_true if context.condition(condition) else when_false, context)


def _equals(argument, context):
    left, right = resolve(argument, context)
    return left == right


def _base64(argument, context):
    return base64.b64encode(str(resolve(argument, context)).encode()).decode()


_FUNCTIONS = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": lambda argument, context: not resolve(argument, context)[0],
    "Fn::And": lambda argument, context: all(resolve(argument, context)),
    "Fn::Or": lambda argument, context: any(resolve(argument, context)),
    "Condition": lambda argument, context: context.condition(argument),
    "Fn::Base64": _base64,
}
