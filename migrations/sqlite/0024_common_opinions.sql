-- 常用意见: each person's own opinions to pick from when acting on a step (pick one into the box,
-- edit it there, save the list on the 常用意见 page or through the API). Kept per person, not per
-- post: the words are the person's, whichever post they act in. A person without rows is offered
-- the shipped default set (xn-service, flow/opinions.rs); saving an empty list goes back to it.
create table common_opinions (
    person_id bigint not null references persons(id),
    seq bigint not null,
    text text not null,
    primary key (person_id, seq)
);
