"""`field__any_of=[ids]`: membership in a list of ids (or model instances) passed as ONE array parameter
on PostgreSQL.

`__in` with a few hundred ids binds a few hundred parameters, which costs more than the query itself
(measured: 4.4 ms against 0.7 ms for 200 store ids); `= ANY(%s)` binds one array. Other databases get
an ordinary IN list. Any iterable will do; a set is cheapest (the ORM walks a list or tuple value
element by element looking for expressions), the ids are sorted here.
"""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = sorted(v.pk if hasattr(v, "pk") else int(v) for v in self.rhs)
        if not values:
            return "1 = 0", list(lhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep lookups of their own; store__any_of compares store_id
