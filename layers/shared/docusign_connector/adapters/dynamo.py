"""The envelope table's calls on DynamoDB's low-level client, with Python values in and out.

What `boto3.resource("dynamodb").Table(name)` offers for the five calls the connector makes
(`get_item`, `put_item`, `update_item`, `delete_item`, `query`), without the resource: building
a boto3 resource costs a cold start about as much again as its client, and every call passes
through its model. Values are marshalled with boto3's own `TypeSerializer`/`TypeDeserializer`
(numbers come back as `Decimal`, as from the resource), and `Key(...)`/`Attr(...)` conditions
are built with its `ConditionExpressionBuilder`, so the arguments and answers are the
resource's.
"""

from __future__ import annotations

from typing import Any

# Arguments that hold attribute values, and answers that do.
_VALUE_ARGUMENTS = ("Key", "Item", "ExclusiveStartKey")
_VALUE_ANSWERS = ("Item", "Attributes", "LastEvaluatedKey")
_CONDITION_ARGUMENTS = {
    "KeyConditionExpression": True,  # is a key condition
    "FilterExpression": False,
    "ConditionExpression": False,
}


class Table:
    def __init__(self, name: str, client: Any) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self.name = name
        self.client = client
        self._serializer = TypeSerializer()
        self._deserializer = TypeDeserializer()

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("get_item", kwargs)

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("put_item", kwargs)

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("update_item", kwargs)

    def delete_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("delete_item", kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("query", kwargs)

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("scan", kwargs)

    def transact_write(self, writes: list[tuple[str, dict[str, Any]]]) -> None:
        """`transact_write_items` of (kind, arguments) pairs — kind Put, Update, Delete or
        ConditionCheck, arguments as the other calls take them — on this table."""
        items = [
            {kind: {"TableName": self.name, **self._request(arguments)}}
            for kind, arguments in writes
        ]
        self.client.transact_write_items(TransactItems=items)

    def _call(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        answer = getattr(self.client, operation)(TableName=self.name, **self._request(kwargs))
        return self._answer(answer)

    def _request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder

        request = dict(kwargs)
        names: dict[str, str] = dict(request.pop("ExpressionAttributeNames", None) or {})
        values: dict[str, Any] = dict(request.pop("ExpressionAttributeValues", None) or {})
        builder = ConditionExpressionBuilder()
        for argument, is_key in _CONDITION_ARGUMENTS.items():
            condition = request.get(argument)
            if isinstance(condition, ConditionBase):
                built = builder.build_expression(condition, is_key_condition=is_key)
                request[argument] = built.condition_expression
                names.update(built.attribute_name_placeholders)
                values.update(built.attribute_value_placeholders)
        for argument in _VALUE_ARGUMENTS:
            if argument in request:
                request[argument] = self._marshal(request[argument])
        if names:
            request["ExpressionAttributeNames"] = names
        if values:
            request["ExpressionAttributeValues"] = self._marshal(values)
        return request

    def _answer(self, answer: dict[str, Any]) -> dict[str, Any]:
        out = dict(answer)
        for key in _VALUE_ANSWERS:
            if key in out:
                out[key] = self._unmarshal(out[key])
        if "Items" in out:
            out["Items"] = [self._unmarshal(item) for item in out["Items"]]
        return out

    def _marshal(self, values: dict[str, Any]) -> dict[str, Any]:
        return {name: self._serializer.serialize(value) for name, value in values.items()}

    def _unmarshal(self, values: dict[str, Any]) -> dict[str, Any]:
        return {name: self._deserializer.deserialize(value) for name, value in values.items()}
