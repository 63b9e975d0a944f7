// description: One pattern: its steps in order (with the function or type each uses), support, the actors with every step, counter-examples, support per version and ranked verbatim excerpts with file:line.
// param: name str names pattern -- a pattern id (see `ootkg patterns`), e.g. cylinder-collider
// render: kg.code:render_pattern
MATCH (p:Pattern {id: $name})
RETURN p.id AS id, p.description AS description, p.roles AS roles, p.steps AS steps,
       p.support AS support, p.actors AS actors, p.counter_examples AS counter_examples,
       p.version_support AS version_support, p.excerpts AS excerpts, p.anchor AS anchor
