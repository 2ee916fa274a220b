-- 三员分立: a post that carries an administrator's duty (系统管理员, 安全保密管理员, 安全审计员)
-- does no business work. Such posts lose every role that grants business work (flow.work)
-- without itself being an administrator's role; their holders do business, if at all, from
-- another post the security administrator grants.
delete from post_roles
where post_id in (
        select pr.post_id
        from post_roles pr
        join role_permissions rp on rp.role_id = pr.role_id
        where rp.permission in
            ('org.admin', 'calendar.admin', 'flow.admin', 'security.admin', 'audit.read')
    )
    and role_id in (select role_id from role_permissions where permission = 'flow.work')
    and role_id not in (
        select role_id from role_permissions
        where permission in
            ('org.admin', 'calendar.admin', 'flow.admin', 'security.admin', 'audit.read')
    );
